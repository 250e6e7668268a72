//! An ordered set of `KEY -> value` pairs: the shape of every Hestia object (a user, a package,
//! the settings). Order is kept because Hestia's files and some outputs follow it; unknown keys
//! are kept too, so nothing an admin or an import wrote is dropped on a rewrite.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pairs: Vec<(String, String)>,
}

impl Record {
    pub fn new() -> Self {
        Record { pairs: Vec::new() }
    }

    /// A record of `pairs` whose keys are known to be unique (a table's keys): kept as they are,
    /// in their order, without looking for each key.
    pub fn from_unique_pairs(pairs: Vec<(String, String)>) -> Self {
        Record { pairs }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let mut r = Record::new();
        for (k, v) in pairs {
            r.set(k, v);
        }
        r
    }

    /// The value of `key`, or `""` when absent (Hestia's unset variable).
    pub fn get(&self, key: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// [`Record::get`] for keys asked in (about) the record's own order: the search starts
    /// after the previous hit (`cursor`) and wraps around, so a whole listing costs one pass.
    pub fn get_near(&self, key: &str, cursor: &mut usize) -> &str {
        let n = self.pairs.len();
        for step in 0..n {
            let i = (*cursor + step) % n;
            if self.pairs[i].0 == key {
                *cursor = i + 1;
                return &self.pairs[i].1;
            }
        }
        ""
    }

    pub fn get_opt(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// Set `key`, keeping its position when present, appending otherwise.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.pairs.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.pairs.retain(|(k, _)| k != key);
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Rebuild in the order of `order`, keys not in `order` kept after, in their order.
    pub fn reordered(&self, order: &[&str]) -> Record {
        let mut out = Record::new();
        for k in order {
            if let Some(v) = self.get_opt(k) {
                out.set(*k, v);
            }
        }
        for (k, v) in &self.pairs {
            if !order.contains(&k.as_str()) {
                out.set(k.clone(), v.clone());
            }
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.pairs).unwrap_or_else(|_| "[]".to_string())
    }

    pub fn from_json(text: &str) -> Result<Record, serde_json::Error> {
        let pairs: Vec<(String, String)> = serde_json::from_str(text)?;
        Ok(Record { pairs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_position_and_json_round_trips() {
        let mut r = Record::from_pairs([("A", "1"), ("B", "2")]);
        r.set("A", "3");
        r.set("C", "4");
        assert_eq!(r.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["A", "B", "C"]);
        assert_eq!(r.get("A"), "3");
        assert_eq!(r.get("Z"), "");
        let back = Record::from_json(&r.to_json()).expect("json");
        assert_eq!(back, r);
        let o = r.reordered(&["C", "A"]);
        assert_eq!(o.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["C", "A", "B"]);
    }
}
