//! The client's origin / RP ID table and options parsing: security-critical, so tested by table.

use latchkey_authenticator::client::{effective_rp_id, CreationOptions, RequestOptions};

#[test]
fn origin_and_rp_id_table() {
    let good: &[(&str, Option<&str>, &str)] = &[
        ("https://example.com", None, "example.com"),
        ("https://example.com", Some("example.com"), "example.com"),
        (
            "https://login.example.com",
            Some("example.com"),
            "example.com",
        ),
        (
            "https://example.com:8443",
            Some("EXAMPLE.com"),
            "example.com",
        ),
        ("http://localhost:8080", None, "localhost"),
        ("http://app.localhost", None, "app.localhost"),
        (
            "https://alice.github.io",
            Some("alice.github.io"),
            "alice.github.io",
        ),
        (
            "https://bücher.example",
            Some("xn--bcher-kva.example"),
            "xn--bcher-kva.example",
        ),
        (
            "https://xn--bcher-kva.example",
            Some("bücher.example"),
            "xn--bcher-kva.example",
        ),
    ];
    for (origin, rp, want) in good {
        assert_eq!(
            effective_rp_id(origin, *rp).unwrap(),
            *want,
            "{origin} {rp:?}"
        );
    }
    let bad: &[(&str, Option<&str>)] = &[
        ("https://evil-example.com", Some("example.com")),
        ("https://example.com", Some("com")),
        ("https://example.co.uk", Some("co.uk")),
        ("https://alice.github.io", Some("github.io")),
        ("http://example.com", None),
        ("https://example.com", Some("other.com")),
        ("https://example.com", Some("login.example.com")),
        ("https://example.com", Some("example.com.")),
        ("https://example.com.", None),
        ("https://127.0.0.1", None),
        ("https://[::1]", None),
        ("https://example.com", Some("127.0.0.1")),
        ("not a url", None),
        ("", None),
        ("ftp://example.com", None),
        ("https://user:pw@example.com", None),
        ("https://example.com/path", None),
        ("https://example.com/?q=1", None),
        ("https://com", None),
    ];
    for (origin, rp) in bad {
        let e = effective_rp_id(origin, *rp).expect_err(&format!("{origin} {rp:?}"));
        assert_eq!(e.dom_name(), "SecurityError", "{origin} {rp:?}");
    }
}

#[test]
fn malformed_options_are_type_errors() {
    let ch = "AAAAAAAAAAAAAAAAAAAAAA";
    let user = r#"{"id":"AQ","name":"a","displayName":"A"}"#;
    let cases = [
        "not json".to_string(),
        format!(r#"{{"challenge":5,"rp":{{"name":"x"}},"user":{user}}}"#),
        format!(r#"{{"challenge":"!!","rp":{{"name":"x"}},"user":{user}}}"#),
        format!(r#"{{"rp":{{"name":"x"}},"user":{user}}}"#),
        format!(r#"{{"challenge":"{ch}","rp":{{"name":"x"}}}}"#),
        r#"{"challenge":"AAAA","rp":{"name":"x"},"user":{"id":"AQ","name":"a","displayName":"A"}}"#
            .to_string(),
        format!(
            r#"{{"challenge":"{ch}","rp":{{"name":"x"}},"user":{{"id":"","name":"a","displayName":"A"}}}}"#
        ),
    ];
    for c in &cases {
        assert_eq!(
            CreationOptions::from_json(c).unwrap_err().dom_name(),
            "TypeError",
            "{c}"
        );
    }
    let ok = format!(
        r#"{{"publicKey":{{"challenge":"{ch}==","rp":{{"name":"x"}},"user":{user},"extra":1}}}}"#
    );
    let o = CreationOptions::from_json(&ok).unwrap();
    assert_eq!(o.challenge.len(), 16);
    assert_eq!(o.user_id, vec![1]);
    assert!(RequestOptions::from_json(r#"{"challenge":"AA"}"#).is_err());
    assert!(RequestOptions::from_json(&format!(r#"{{"challenge":"{ch}"}}"#)).is_ok());
}
