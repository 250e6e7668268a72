//! A stored user record read for a listing: the `[["KEY","value"],…]` JSON text of the users
//! table, read without decoding it into a `Record` (10,000 users for one `v-list-users`).

use hearth_domain::record::Record;
use hearth_domain::{HearthError, ReturnCode};
use std::cell::{Cell, Ref, RefCell};

/// A user's stored fields: borrowed from the stored JSON text when no value holds an escape
/// (no copy per field), else the decoded record.
pub(super) enum Fields<'a> {
    /// The values of `json` where [`StoredKeys`] found them, under its keys.
    Borrowed {
        json: &'a str,
        keys: &'a StoredKeys,
        /// Whether every value goes into a JSON answer as it is.
        verbatim: bool,
    },
    Shared(&'a Record),
    Owned(Record),
}

impl Fields<'_> {
    /// Whether every value goes into a JSON answer as it is (known of borrowed fields only).
    pub(super) fn verbatim(&self) -> bool {
        matches!(self, Fields::Borrowed { verbatim: true, .. })
    }

    pub(super) fn get(&self, key: &str, hint: &mut usize) -> &str {
        match self {
            Fields::Borrowed { json, keys, .. } => {
                let names = &keys.keys;
                let is = |i: usize| same(names[i].as_bytes(), key.as_bytes());
                let found = if keys.unique {
                    // The hint counts the fields asked of this row: a listing asks them in the
                    // same order of every row, so the place found at the same turn of the row
                    // before is tried first (with unique keys, a match is the only one).
                    let turn = keys.plan.get(*hint);
                    *hint += 1;
                    let guess = turn.map(Cell::get).filter(|&i| i < names.len() && is(i));
                    guess.or_else(|| {
                        let i = (0..names.len()).find(|&i| is(i))?;
                        turn.inspect(|t| t.set(i));
                        Some(i)
                    })
                } else {
                    // From the hint to the end, then from the start (`Record::get_near`).
                    let at = (*hint).min(names.len());
                    let i = (at..names.len()).chain(0..at).find(|&i| is(i));
                    if let Some(i) = i {
                        *hint = i + 1;
                    }
                    i
                };
                match found {
                    Some(i) => {
                        let (start, end) = keys.values[i];
                        json.get(start..end).unwrap_or("")
                    }
                    None => "",
                }
            }
            Fields::Shared(rec) => rec.get_near(key, hint),
            Fields::Owned(rec) => rec.get_near(key, hint),
        }
    }

    /// What `plan` holds for `keys` in records of this one's key layout: made by `step(key,
    /// its place among the stored fields)` for each key when the keys or the layout differ
    /// from the last row's. `None` unless the fields are borrowed under unique keys (a place
    /// then names the one value of its key).
    pub(super) fn plan<'p, S>(
        &self,
        plan: &'p RefCell<Plan<S>>,
        keys: &[&str],
        step: impl Fn(&str, Option<usize>) -> S,
    ) -> Option<Ref<'p, [S]>> {
        let Fields::Borrowed { keys: stored, .. } = self else {
            return None;
        };
        if !stored.unique {
            return None;
        }
        let made_for = (keys.as_ptr().cast::<()>(), keys.len(), stored.layout);
        if plan.borrow().made_for != Some(made_for) {
            let mut p = plan.borrow_mut();
            p.steps.clear();
            p.steps
                .extend(keys.iter().map(|&k| step(k, stored.keys.iter().position(|s| s == k))));
            p.made_for = Some(made_for);
        }
        Some(Ref::map(plan.borrow(), |p| p.steps.as_slice()))
    }

    /// The value at a place found by [`Fields::plan`] (`""`: none).
    pub(super) fn at(&self, place: Option<usize>) -> &str {
        match (self, place) {
            (Fields::Borrowed { json, keys, .. }, Some(i)) => keys
                .values
                .get(i)
                .and_then(|&(start, end)| json.get(start..end))
                .unwrap_or(""),
            _ => "",
        }
    }
}

/// What a listing does for each key it asks of a row ([`Fields::plan`]), kept from row to
/// row while the keys asked and the stored key layout stay the same.
pub(super) struct Plan<S> {
    /// The keys asked (where they lie, how many) and [`StoredKeys::layout`].
    made_for: Option<(*const (), usize, u64)>,
    steps: Vec<S>,
}

impl<S> Default for Plan<S> {
    fn default() -> Self {
        Plan {
            made_for: None,
            steps: Vec::new(),
        }
    }
}

/// The keys of the last stored record read, in order, and where its values lie in its text.
/// Records made from the same template share their keys: the next text is compared with them
/// instead of being searched for the end of each key.
#[derive(Default)]
pub(super) struct StoredKeys {
    keys: Vec<String>,
    /// Whether no key is there twice.
    unique: bool,
    /// (start, end) of each value in the text.
    values: Vec<(usize, usize)>,
    /// With unique keys, the place of the field asked at each turn of the last row (see
    /// [`Fields::get`]).
    plan: Vec<Cell<usize>>,
    /// Changes whenever the keys do (a [`Plan`] is made for one layout).
    layout: u64,
    /// The text before each value of a record with these keys: `[["KEY","` for the first,
    /// `"],["KEY","` for the others (see [`StoredKeys::same_keys`]).
    before: Vec<Vec<u8>>,
}

/// How many fields of a row [`StoredKeys::plan`] follows.
const PLAN_TURNS: usize = 128;

impl StoredKeys {
    /// The fields of a stored record's JSON text.
    pub(super) fn read<'a>(&'a mut self, json: &'a str) -> Result<Fields<'a>, HearthError> {
        match self.scan(json) {
            Some(verbatim) => Ok(Fields::Borrowed {
                json,
                keys: self,
                verbatim,
            }),
            None => Record::from_json(json)
                .map(Fields::Owned)
                .map_err(|e| HearthError::new(ReturnCode::Disk, format!("store failure: a stored user record: {e}"))),
        }
    }

    /// Find the keys and values of `json` ([`scan_pairs`], checked against these keys first;
    /// these keys become those of `json` when they differ): whether its values go into JSON
    /// as they are, or `None` when it must be decoded.
    fn scan(&mut self, json: &str) -> Option<bool> {
        if let Some(verbatim) = self.same_keys(json) {
            return Some(verbatim);
        }
        let (pairs, verbatim) = scan_pairs(json)?;
        // Each value is a slice of `json`: its place is its distance from the start.
        let start = json.as_ptr() as usize;
        self.values.clear();
        self.values.extend(pairs.iter().map(|(_, v)| {
            let at = v.as_ptr() as usize - start;
            (at, at + v.len())
        }));
        self.keys.clear();
        self.keys.extend(pairs.iter().map(|(k, _)| k.to_string()));
        let mut sorted: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        self.unique = sorted.windows(2).all(|w| w[0] != w[1]);
        self.plan.resize_with(PLAN_TURNS, Cell::default);
        self.layout += 1;
        self.before.clear();
        self.before.extend(self.keys.iter().enumerate().map(|(j, k)| {
            let open: &[u8] = if j == 0 { b"[[\"" } else { b"\"],[\"" };
            [open, k.as_bytes(), b"\",\""].concat()
        }));
        Some(verbatim)
    }

    /// The values of `json` when it is exactly `[["KEY","value"],…]` with these keys in this
    /// order (no blank, no backslash), and whether they go into JSON as they are.
    fn same_keys(&mut self, json: &str) -> Option<bool> {
        let b = json.as_bytes();
        if self.before.is_empty() {
            return None;
        }
        let mut special = false;
        self.values.clear();
        // The end of the text compared so far: the closing quote of the value before.
        let mut at = 0;
        for before in &self.before {
            let start = at + before.len();
            if !b.get(at..start).is_some_and(|s| same(s, before)) {
                return None;
            }
            let (end, s) = scan_string(b, start)?;
            special |= s;
            self.values.push((start, end));
            at = end;
        }
        if !(starts(b, at, b"\"]]") && at + 3 == b.len()) {
            return None;
        }
        // A key that matched holds no backslash; a value may (then its quote is escaped).
        if special && b.contains(&b'\\') {
            return None;
        }
        Some(!special)
    }

    /// The pairs found by the last [`StoredKeys::scan`] of `json`.
    #[cfg(test)]
    fn pairs<'a>(&'a self, json: &'a str) -> Vec<(&'a str, &'a str)> {
        let value = |&(start, end): &(usize, usize)| json.get(start..end).expect("value");
        self.keys
            .iter()
            .map(String::as_str)
            .zip(self.values.iter().map(value))
            .collect()
    }
}

/// Whether b[at..] starts with `want`.
fn starts<const N: usize>(b: &[u8], at: usize, want: &[u8; N]) -> bool {
    b.get(at..at + N).is_some_and(|s| s == want)
}

/// `a == b` for short keys without a call to memcmp: two overlapping loads of 16, 8 or 4
/// bytes from each.
fn same(a: &[u8], b: &[u8]) -> bool {
    fn word<const N: usize>(s: &[u8], at: usize) -> Option<[u8; N]> {
        s.get(at..at + N)?.try_into().ok()
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        16..=32 => word::<16>(a, 0) == word(b, 0) && word::<16>(a, n - 16) == word(b, n - 16),
        8..=15 => word::<8>(a, 0) == word(b, 0) && word::<8>(a, n - 8) == word(b, n - 8),
        4..=7 => word::<4>(a, 0) == word(b, 0) && word::<4>(a, n - 4) == word(b, n - 4),
        _ => a == b,
    }
}

/// The pairs of a stored record's JSON text (`[["KEY","value"],…]`) borrowed from it, or
/// `None` when a string holds an escape (or the text is not that shape).
#[cfg(test)]
pub(super) fn borrowed_pairs(json: &str) -> Option<Vec<(&str, &str)>> {
    scan_pairs(json).map(|(pairs, _)| pairs)
}

/// The pairs of a stored record's JSON text (`[["KEY","value"],…]`) borrowed from it, and
/// whether no value holds a character that a JSON answer escapes; `None` when the text holds
/// an escape (a backslash) or is not that shape: the caller decodes it.
fn scan_pairs(json: &str) -> Option<(Vec<(&str, &str)>, bool)> {
    let b = json.as_bytes();
    // Without a backslash anywhere, every double quote opens or closes a string: the text is
    // the structure between strings, `[[` KEY `,` VALUE `],[` KEY `,` VALUE … `]]`. Each
    // string's scan tells whether it holds a backslash (or a byte a JSON answer escapes); the
    // structure between strings is compared, so a backslash there is refused too.
    let mut special = false;
    let mut string = |open: usize| {
        let (close, s) = scan_string(b, open + 1)?;
        special |= s;
        Some(close)
    };
    // Whether b[from..to] is `want`, blanks aside (the stored text has none).
    let structure = |from: usize, to: usize, want: &[u8]| {
        let mut got = b[from..to].iter().filter(|c| !c.is_ascii_whitespace());
        want.iter().all(|w| got.next() == Some(w)) && got.next().is_none()
    };
    let quote = |from: usize| b.get(from..)?.iter().position(|&c| c == b'"').map(|p| from + p);
    let mut pairs = Vec::with_capacity(80);
    let Some(mut open) = quote(0) else {
        return structure(0, b.len(), b"[]").then_some((pairs, true));
    };
    if !structure(0, open, b"[[") {
        return None;
    }
    loop {
        // open: the key's opening quote.
        let key_end = string(open)?;
        let value_open = if starts(b, key_end + 1, b",\"") {
            key_end + 2
        } else {
            let q = quote(key_end + 1)?;
            structure(key_end + 1, q, b",").then_some(q)?
        };
        let value_end = string(value_open)?;
        // Both ends of each slice are ASCII quotes: they lie on character boundaries.
        pairs.push((json.get(open + 1..key_end)?, json.get(value_open + 1..value_end)?));
        open = if starts(b, value_end + 1, b"],[\"") {
            value_end + 4
        } else {
            match quote(value_end + 1) {
                Some(q) if structure(value_end + 1, q, b"],[") => q,
                Some(_) => return None,
                None if structure(value_end + 1, b.len(), b"]]") => break,
                None => return None,
            }
        };
    }
    if special && b.contains(&b'\\') {
        return None;
    }
    Some((pairs, !special))
}

/// The closing quote of a string whose text starts at `from`, and whether the text may hold a
/// backslash or a byte a JSON answer escapes (a control character, DEL, or 0xE2, the first
/// byte of U+2028 and U+2029). Eight bytes at a time: most strings of a stored record are
/// shorter, so their end is found without a loop per byte. (The bytes after the quote in its
/// word are looked at too: at worst a value is then checked again when it is written.)
fn scan_string(b: &[u8], from: usize) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // The bytes of x that are zero (or below n) are flagged; the lowest flag is exact.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let mut special = 0;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        special |=
            zero(w ^ (ONES * u64::from(b'\\'))) | below(w, 0x20) | zero(w ^ (ONES * 0x7f)) | zero(w ^ (ONES * 0xe2));
        let quote = zero(w ^ (ONES * u64::from(b'"')));
        if quote != 0 {
            return Some((i + (quote.trailing_zeros() / 8) as usize, special != 0));
        }
        i += 8;
    }
    let mut special = special != 0;
    for (j, &c) in b.get(i..)?.iter().enumerate() {
        if c == b'"' {
            return Some((i + j, special));
        }
        special |= c < 0x20 || c == b'\\' || c == 0x7f || c == 0xe2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_output as out;

    /// Records stored as `Record::to_json` writes them, with values of every length and the
    /// characters a JSON answer escapes.
    fn samples() -> Vec<Record> {
        let values = [
            "",
            "0",
            "no",
            "default",
            "unlimited",
            "u00001@example.org",
            "ns1.example.com,ns2.example.com",
            "a\"b",
            "back\\slash",
            "tab\there",
            "nl\n",
            "del\u{7f}",
            "ls\u{2028}",
            "ps\u{2029}",
            "e2 \u{20ac}",
            "bücher",
            "\u{1b}[31m",
            "0123456789abcdef0123",
            "quote at end 7\"",
        ];
        let mut recs = vec![Record::from_pairs([] as [(&str, &str); 0])];
        for (i, v) in values.iter().enumerate() {
            let k = "K".repeat(i + 1);
            recs.push(Record::from_pairs([("NAME", "N"), (k.as_str(), v), ("Z", "z")]));
        }
        recs.push(Record::from_pairs(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("KEY_{i:02}"), v.to_string())),
        ));
        recs
    }

    #[test]
    fn scanned_pairs_are_the_stored_pairs_and_tell_whether_values_need_escapes() {
        for rec in samples() {
            let json = rec.to_json();
            let want: Vec<(String, String)> = Record::from_json(&json).expect("json").pairs().to_vec();
            match scan_pairs(&json) {
                None => assert!(json.contains('\\'), "{json}"),
                Some((pairs, verbatim)) => {
                    assert!(!json.contains('\\'), "{json}");
                    let got: Vec<(String, String)> =
                        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                    assert_eq!(got, want, "{json}");
                    assert_eq!(verbatim, pairs.iter().all(|(_, v)| out::json_verbatim(v)), "{json}");
                }
            }
            // Blanks between the tokens change nothing.
            let spaced = json
                .replace("\",\"", "\" ,\t\"")
                .replace("],[", "] ,\n [")
                .replace("[[", " [ [");
            assert_eq!(borrowed_pairs(&spaced), borrowed_pairs(&json), "{spaced}");
        }
    }

    #[test]
    fn records_with_the_keys_of_the_one_before_give_the_same_pairs() {
        let a = Record::from_pairs([("NAME", "A"), ("PACKAGE", "default"), ("BACKUPS_INCREMENTAL", "no")]);
        let b = Record::from_pairs([("NAME", "Bea"), ("PACKAGE", "gold"), ("BACKUPS_INCREMENTAL", "yes")]);
        let reordered = Record::from_pairs([("PACKAGE", "x"), ("NAME", "B"), ("BACKUPS_INCREMENTAL", "yes")]);
        let fewer = Record::from_pairs([("NAME", "A"), ("PACKAGE", "default")]);
        let more = Record::from_pairs([
            ("NAME", "A"),
            ("PACKAGE", "p"),
            ("BACKUPS_INCREMENTAL", "no"),
            ("X", "1"),
        ]);
        let renamed = Record::from_pairs([("NAME", "A"), ("PACKAGF", "default"), ("BACKUPS_INCREMENTAL", "no")]);
        let escaped = Record::from_pairs([("NAME", "say \"hi\""), ("PACKAGE", "p"), ("BACKUPS_INCREMENTAL", "no")]);
        let special = Record::from_pairs([
            ("NAME", "l\u{2028}"),
            ("PACKAGE", "p"),
            ("BACKUPS_INCREMENTAL", "\u{7f}"),
        ]);
        let mut texts: Vec<String> = [
            &a, &b, &reordered, &b, &fewer, &a, &more, &a, &renamed, &a, &escaped, &special, &a,
        ]
        .iter()
        .map(|r| r.to_json())
        .collect();
        texts.push(a.to_json().replace(",", " , "));
        texts.push(a.to_json() + " ");
        texts.push(a.to_json().replacen("[[", "[", 1));
        texts.extend(samples().iter().map(Record::to_json));
        let mut keys = StoredKeys::default();
        for t in &texts {
            let found = keys.scan(t).map(|verbatim| (keys.pairs(t), verbatim));
            assert_eq!(found, scan_pairs(t), "{t}");
        }
    }

    #[test]
    fn strings_end_at_their_quote_and_tell_special_bytes() {
        for len in 0..24 {
            for (c, special) in [
                ('a', false),
                ('\\', true),
                ('\u{1}', true),
                ('\u{7f}', true),
                ('\u{2028}', true),
                ('é', false),
                ('~', false),
            ] {
                for at in 0..len.max(1) {
                    let text: String = (0..len).map(|i| if i == at { c } else { 'x' }).collect();
                    let b = format!("\"{text}\"],[\"next\"");
                    let (end, flagged) = scan_string(b.as_bytes(), 1).expect("quote");
                    assert_eq!(end, 1 + text.len(), "{b}");
                    assert!(flagged || !(special && len > 0), "{b}");
                    if len > 0 && !special {
                        // Only the bytes after the quote in its word may be looked at too.
                        assert!(!flagged, "{b}");
                    }
                }
            }
        }
        assert_eq!(scan_string(b"\"no end", 1), None);
    }

    #[test]
    fn keys_compare_like_strings() {
        let word = "ABCDEFGHIJKLMNOPQRSTUVWXYZ_ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for n in 0..word.len() {
            let a = &word[..n];
            assert!(same(a.as_bytes(), a.as_bytes()));
            assert!(!same(a.as_bytes(), &word.as_bytes()[..n + 1]));
            for i in 0..n {
                let mut b = a.as_bytes().to_vec();
                b[i] = b'-';
                assert!(!same(a.as_bytes(), &b), "{a} {i}");
            }
        }
    }

    #[test]
    fn fields_are_found_as_the_decoded_record_finds_them() {
        let texts = [
            r#"[["A","1"],["B","2"],["C","3"],["D","4"]]"#,
            // Twice the same key: the one at or after the cursor, else the first.
            r#"[["A","1"],["B","2"],["A","3"],["C","4"],["B","5"]]"#,
            r#"[["A","1"],["B","2"],["C","3"],["D","4"]]"#,
            r#"[["A","x"],["B","y"],["A","z"],["C",""],["B","w"]]"#,
            // The same keys in another order: the places found in the record before are wrong.
            r#"[["D","4"],["C","3"],["B","2"],["A","1"]]"#,
            r#"[["A","1"],["B","2"],["C","3"],["D","4"]]"#,
        ];
        let asks: [&[&str]; 4] = [
            &["A", "B", "C", "D", "E"],
            &["B", "A", "D", "C", "A", "B"],
            &["C", "A", "B", "A", "B", "C", "A"],
            &["D", "D", "A", "Z", "B"],
        ];
        let mut keys = StoredKeys::default();
        for t in texts {
            let fields = keys.read(t).expect("read");
            assert!(matches!(fields, Fields::Borrowed { .. }), "{t}");
            let rec = Record::from_json(t).expect("json");
            for ask in asks {
                let (mut h1, mut h2) = (0, 0);
                for k in ask {
                    assert_eq!(fields.get(k, &mut h1), rec.get_near(k, &mut h2), "{t} {ask:?} {k}");
                }
            }
        }
    }
}
