//! The wire: field order and encoding, exit codes, TLS trust, errors without secrets.

use std::time::Duration;

use hearth_cluster::{
    Client, PeerAuth, RunError, SendError, TlsTrust, fetch_fingerprint, format_fingerprint, parse_fingerprint, sequence,
};

use crate::server::{ACCESS_ID, LEGACY_KEY, PASSWORD, SECRET, TestServer, key_auth, password_auth};

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
}

fn assert_no_secret(text: &str) {
    for secret in [SECRET, PASSWORD, LEGACY_KEY] {
        assert!(!text.contains(secret), "secret leaked in {text:?}");
    }
}

#[test]
fn hash_mode_fields_in_hestia_order_with_eight_args() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let code = Client::new()
        .send(&peer, "v-list-user", &["dns-cluster"])
        .expect("send");
    assert_eq!(code, 0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/api/");
    assert_eq!(r.content_type, "application/x-www-form-urlencoded");
    let hash = format!("{ACCESS_ID}:{SECRET}");
    assert_eq!(
        r.fields,
        pairs(&[
            ("hash", &hash),
            ("returncode", "yes"),
            ("cmd", "v-list-user"),
            ("arg1", "dns-cluster"),
            ("arg2", ""),
            ("arg3", ""),
            ("arg4", ""),
            ("arg5", ""),
            ("arg6", ""),
            ("arg7", ""),
            ("arg8", ""),
        ])
    );
    // curl --data-urlencode: the ':' of the hash is encoded, fields joined by '&'.
    assert!(r.raw.starts_with(&format!(
        "hash={ACCESS_ID}%3A{SECRET}&returncode=yes&cmd=v-list-user&arg1=dns-cluster&arg2=&"
    )));
    assert!(r.raw.ends_with("&arg8="));
}

#[test]
fn password_mode_fields_in_hestia_order() {
    let server = TestServer::start();
    let peer = server.peer(password_auth());
    Client::new().send(&peer, "v-list-sys-config", &[]).expect("send");
    let r = &server.requests()[0];
    assert_eq!(
        r.names(),
        [
            "user",
            "password",
            "returncode",
            "cmd",
            "arg1",
            "arg2",
            "arg3",
            "arg4",
            "arg5",
            "arg6",
            "arg7",
            "arg8"
        ]
    );
    assert_eq!(r.field("user"), Some("admin"));
    assert_eq!(r.field("password"), Some(PASSWORD));
    assert!(r.fields[4..].iter().all(|(_, v)| v.is_empty()));
}

#[test]
fn empty_arguments_keep_their_positions() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let client = Client::new();
    client
        .send(
            &peer,
            "v-insert-dns-domain",
            &["dns-cluster", "DOMAIN='a.example'", "master", "", "no"],
        )
        .expect("send");
    client
        .send(&peer, "v-x", &["", "", "", "", "", "", "", "last"])
        .expect("send");
    let reqs = server.requests();
    let (cmd, args) = reqs[0].cmd_args();
    assert_eq!(cmd, "v-insert-dns-domain");
    assert_eq!(
        args,
        ["dns-cluster", "DOMAIN='a.example'", "master", "", "no", "", "", ""]
    );
    let (_, args) = reqs[1].cmd_args();
    assert_eq!(args, ["", "", "", "", "", "", "", "last"]);
}

#[test]
fn values_are_percent_encoded_like_curl() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let line = "DOMAIN='ex.com' IP='1.2.3.4' TPL='default'";
    let record = "ID='1' RECORD='@' TYPE='TXT' VALUE=\"v=spf1 a+mx ~all; é&x=1\"\nsecond line";
    Client::new()
        .send(&peer, "v-insert-dns-record", &["u", line, record])
        .expect("send");
    let r = &server.requests()[0];
    assert_eq!(r.field("arg2"), Some(line));
    assert_eq!(r.field("arg3"), Some(record));
    assert!(
        r.raw
            .contains("arg2=DOMAIN%3D%27ex.com%27%20IP%3D%271.2.3.4%27%20TPL%3D%27default%27&")
    );
    assert!(r.raw.contains("%C3%A9%26x%3D1%22%0Asecond%20line"));
    assert!(r.raw.contains("a%2Bmx%20~all%3B"));
    assert!(!r.raw.contains('+'), "space must be %20 as curl sends it: {}", r.raw);
}

#[test]
fn send_file_sends_only_two_args() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let content = "ID='1' RECORD='@' TYPE='A' PRIORITY='' VALUE='1.2.3.4' SUSPENDED='no' TIME='1' DATE='2'\nID='2'";
    let code = Client::new()
        .send_file(&peer, content, "/tmp/vst-sync.ex.com")
        .expect("send");
    assert_eq!(code, 0);
    let r = &server.requests()[0];
    assert_eq!(r.names(), ["hash", "returncode", "cmd", "arg1", "arg2"]);
    assert_eq!(r.field("cmd"), Some("v-make-tmp-file"));
    assert_eq!(r.field("arg1"), Some(content));
    assert_eq!(r.field("arg2"), Some("/tmp/vst-sync.ex.com"));
}

#[test]
fn send_file_empty_body_is_success_but_send_is_not() {
    // The legacy flow answers v-make-tmp-file with an empty body (spec §1.8).
    let server = TestServer::start();
    let peer = server.peer(PeerAuth::Hash(LEGACY_KEY.to_owned()));
    let client = Client::new();
    server.answer(200, "");
    assert_eq!(client.send_file(&peer, "x", "/tmp/f").expect("file"), 0);
    server.answer(200, "");
    match client.send(&peer, "v-list-user", &["u"]) {
        Err(SendError::Protocol {
            status: 200, excerpt, ..
        }) => assert_eq!(excerpt, "(empty body)"),
        other => panic!("expected a protocol error, got {other:?}"),
    }
    server.answer(500, "");
    assert!(matches!(
        client.send_file(&peer, "x", "/tmp/f"),
        Err(SendError::Protocol { status: 500, .. })
    ));
    assert!(matches!(client.send_file(&peer, "x", " "), Err(SendError::Invalid(_))));
}

#[test]
fn exit_codes_are_parsed_from_the_body_whatever_the_status() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let client = Client::new();
    for (status, body, code) in [
        (200, "0", 0),
        (200, "3\n", 3),
        (200, " 15 \r\n", 15),
        (401, "9", 9),
        (400, "11", 11),
    ] {
        server.answer(status, body);
        assert_eq!(
            client.send(&peer, "v-list-user", &["u"]).expect("send"),
            code,
            "{body:?}"
        );
    }
}

#[test]
fn non_numeric_bodies_are_protocol_errors() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let client = Client::new();
    let cases = [
        (200, "Error: Disabled", "Error: Disabled"),
        (400, "Error: API has been disabled11", "API has been disabled11"),
        (404, "<html><head><title>404 Not Found</title></head></html>", "<html>"),
        (200, "-1", "-1"),
        (200, "12345678901234", "1234567890"),
        (200, "0 OK", "0 OK"),
    ];
    for (status, body, needle) in cases {
        server.answer(status, body);
        match client.send(&peer, "v-list-user", &["u"]) {
            Err(e @ SendError::Protocol { .. }) => {
                let SendError::Protocol {
                    status: s, ref excerpt, ..
                } = e
                else {
                    unreachable!()
                };
                assert_eq!(s, status);
                assert!(excerpt.contains(needle), "{excerpt:?} lacks {needle:?}");
                assert!(e.to_string().contains(&format!("HTTP {status}")));
            }
            other => panic!("{body:?}: expected a protocol error, got {other:?}"),
        }
    }
    // Long bodies are cut, control characters flattened.
    server.answer(200, &format!("Error: line one\nline two {}", "x".repeat(500)));
    let Err(SendError::Protocol { excerpt, .. }) = client.send(&peer, "v-list-user", &["u"]) else {
        panic!("expected a protocol error");
    };
    assert!(excerpt.chars().count() < 100, "{excerpt}");
    assert!(excerpt.contains("line one line two"));
}

#[test]
fn a_redirect_is_not_followed() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    server.answer(302, "");
    assert!(matches!(
        Client::new().send(&peer, "v-list-user", &["u"]),
        Err(SendError::Protocol { status: 302, .. })
    ));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn pinned_fingerprint_accepts_the_right_certificate_only() {
    let server = TestServer::start();
    let other = TestServer::start();
    let client = Client::new();
    assert_eq!(
        client
            .send(&server.peer(key_auth()), "v-list-sys-config", &[])
            .expect("right cert"),
        0
    );

    let mut wrong = server.peer(key_auth());
    wrong.tls = TlsTrust::Fingerprint(other.fingerprint);
    match client.send(&wrong, "v-list-sys-config", &[]) {
        Err(e @ SendError::Connect { .. }) => {
            let text = e.to_string();
            assert!(text.contains("certificate"), "{text}");
            assert!(text.contains(&format_fingerprint(&server.fingerprint)), "{text}");
            assert!(text.contains(&format!("127.0.0.1:{}", server.port)), "{text}");
            assert_no_secret(&text);
            assert_no_secret(&format!("{e:?}"));
        }
        other => panic!("expected a connect error, got {other:?}"),
    }
    // Only the accepted request reached the server.
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn system_trust_refuses_a_self_signed_certificate() {
    let server = TestServer::start();
    for host in ["127.0.0.1", "localhost"] {
        let mut peer = server.peer(password_auth());
        peer.host = host.to_owned();
        peer.tls = TlsTrust::System;
        match Client::new().send(&peer, "v-list-sys-config", &[]) {
            Err(e @ SendError::Connect { .. }) => {
                let text = e.to_string();
                assert!(text.contains("certificate"), "{text}");
                assert_no_secret(&text);
            }
            other => panic!("expected a connect error, got {other:?}"),
        }
    }
    assert!(server.requests().is_empty());
}

#[test]
fn fetch_fingerprint_returns_the_leaf_certificate_digest() {
    let server = TestServer::start();
    assert_eq!(
        fetch_fingerprint("127.0.0.1", server.port).expect("fetch"),
        server.fingerprint
    );
    assert_eq!(
        fetch_fingerprint("localhost", server.port).expect("fetch"),
        server.fingerprint
    );
    assert!(server.requests().is_empty());
}

#[test]
fn fetch_fingerprint_of_a_closed_port_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    assert!(matches!(
        fetch_fingerprint("127.0.0.1", port),
        Err(SendError::Connect { .. })
    ));
    assert!(matches!(
        fetch_fingerprint("bad host/x", port),
        Err(SendError::Invalid(_))
    ));
}

#[test]
fn fingerprint_text_round_trip() {
    let fp: [u8; 32] = std::array::from_fn(|i| (i * 8 + 3) as u8);
    let text = format_fingerprint(&fp);
    assert_eq!(text.len(), 95);
    assert!(text.starts_with("03:0B:13:"));
    assert_eq!(parse_fingerprint(&text), Ok(fp));
    assert_eq!(parse_fingerprint(&text.to_lowercase()), Ok(fp));
    assert_eq!(parse_fingerprint(&format!("  sha256 Fingerprint={text}\n")), Ok(fp));
    assert_eq!(parse_fingerprint(&text.replace(':', "")), Ok(fp));
    let bads: [&str; 6] = [
        "",
        "AA:BB",
        &text[..92],
        &format!("{text}:00"),
        &text.replace("03", "0G"),
        &text.replace(":0B", ":B0B"),
    ];
    for bad in bads {
        assert!(parse_fingerprint(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn connection_refused_is_a_connect_error_without_secrets() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    for auth in [key_auth(), password_auth(), PeerAuth::Hash(LEGACY_KEY.to_owned())] {
        let mut peer = TestServer::start().peer(auth);
        peer.port = port;
        let err = Client::new().send(&peer, "v-list-user", &["u"]).expect_err("refused");
        assert!(matches!(err, SendError::Connect { .. }), "{err:?}");
        assert_no_secret(&err.to_string());
        assert_no_secret(&format!("{err:?}"));
    }
}

#[test]
fn a_slow_answer_times_out() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    server.answer_after(200, "0", Duration::from_secs(3));
    let client = Client::with_timeouts(Duration::from_secs(2), Duration::from_millis(500));
    let err = client.send(&peer, "v-list-user", &["u"]).expect_err("timeout");
    assert!(matches!(err, SendError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[test]
fn a_secret_echoed_by_the_slave_is_redacted() {
    let server = TestServer::start();
    let client = Client::new();
    let peer = server.peer(password_auth());
    server.answer(400, &format!("Error: invalid password {PASSWORD}"));
    let err = client.send(&peer, "v-x", &[]).expect_err("protocol");
    assert_no_secret(&err.to_string());
    assert!(err.to_string().contains("<redacted>"));
    let peer = server.peer(key_auth());
    server.answer(401, &format!("Error: Invalid secret key {SECRET} for key {ACCESS_ID}"));
    let err = client.send(&peer, "v-x", &[]).expect_err("protocol");
    assert_no_secret(&err.to_string());
}

#[test]
fn debug_output_never_shows_secrets() {
    let server = TestServer::start();
    for auth in [key_auth(), password_auth(), PeerAuth::Hash(LEGACY_KEY.to_owned())] {
        let peer = server.peer(auth);
        let text = format!("{peer:?} {:?} {peer:#?}", peer.auth);
        assert_no_secret(&text);
        assert!(text.contains("<redacted>"), "{text}");
        assert!(text.contains(&format_fingerprint(&server.fingerprint)), "{text}");
    }
    let text = format!("{:?}", server.peer(key_auth()));
    assert!(text.contains(ACCESS_ID), "the key ID is not a secret: {text}");
    let text = format!("{:?}", server.peer(password_auth()));
    assert!(text.contains("admin"), "{text}");
}

#[test]
fn invalid_requests_are_not_sent() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let client = Client::new();
    let nine = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
    for err in [
        client.send(&peer, "v-list-users;id", &[]),
        client.send(&peer, "", &[]),
        client.send(&peer, "v-x", &nine),
    ] {
        assert!(matches!(err, Err(SendError::Invalid(_))), "{err:?}");
    }
    let mut bad = peer.clone();
    bad.host = "evil.example/api?x=".to_owned();
    assert!(matches!(client.send(&bad, "v-x", &[]), Err(SendError::Invalid(_))));
    assert!(server.requests().is_empty());
}

#[test]
fn ipv6_hosts_are_bracketed() {
    // Nothing listens on [::1] here; the URL must still be well formed (a connect error, not
    // an invalid request).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut peer = TestServer::start().peer(key_auth());
    peer.host = "::1".to_owned();
    peer.port = port;
    let err = Client::new().send(&peer, "v-x", &[]).expect_err("no server");
    assert!(matches!(err, SendError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("[::1]:{port}")), "{err}");
}

#[test]
fn run_sends_a_sequence_in_order_and_stops_at_a_failure() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let client = Client::new();
    let line = "DOMAIN='ex.com' IP='1.2.3.4' SERIAL='3000000001'";
    let steps = sequence::add_domain("master.example", "dns-cluster", line, "ID='1'", "ex.com");
    client.run(&peer, &steps).expect("run");
    let sent: Vec<(String, Vec<String>)> = server.requests().iter().map(|r| r.cmd_args()).collect();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[0].0, "v-insert-dns-domain");
    assert_eq!(
        sent[1],
        (
            "v-make-tmp-file".to_owned(),
            vec!["ID='1'".to_owned(), "/tmp/vst-sync.ex.com".to_owned()]
        )
    );
    assert_eq!(sent[2].0, "v-insert-dns-records");
    assert_eq!(sent[3].0, "v-rebuild-dns-domain");
    assert!(
        sent.iter()
            .filter(|(c, _)| c != "v-make-tmp-file")
            .all(|(_, a)| a.len() == 8)
    );

    // E_EXISTS at step 2 stops the sequence.
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    server.answer(200, "0");
    server.answer(200, "4");
    let steps = sequence::sync_host("master.example", "dns-cluster", &[(line, "ID='1'", "ex.com")]);
    match client.run(&peer, &steps) {
        Err(
            e @ RunError::Exit {
                step: 2,
                cmd: "v-insert-dns-domain",
                code: 4,
                ..
            },
        ) => {
            assert!(e.to_string().contains("v-insert-dns-domain"));
        }
        other => panic!("expected exit 4 at step 2, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 2);

    // A transport failure names the step.
    server.answer(200, "Error: Disabled");
    let err = client
        .run(&peer, &sequence::alive_check("dns-cluster"))
        .expect_err("protocol");
    assert!(
        matches!(
            err,
            RunError::Send {
                step: 1,
                cmd: "v-list-sys-config",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn run_tolerates_what_the_step_allows() {
    let server = TestServer::start();
    let peer = server.peer(key_auth());
    let client = Client::new();
    server.answer(200, "3");
    client
        .run(&peer, &sequence::delete_domain("dns-cluster", "gone.example"))
        .expect("3 is fine");
    server.answer(200, "4");
    assert!(
        client
            .run(&peer, &sequence::delete_domain("dns-cluster", "x.example"))
            .is_err()
    );
    server.answer(200, "2");
    client
        .run(
            &peer,
            &sequence::delete_record("m", "dns-cluster", "DOMAIN='x.example'", "x.example", 7),
        )
        .expect("delete-record result is ignored");
    assert_eq!(server.requests().len(), 5);
}
