//! The printable recovery kit: one self-contained HTML page (inline CSS, no scripts, nothing
//! fetched from the network) with the recovery key, the vault id, the kit's date, the data
//! directory and what to do with it. Everything printed is HTML-escaped, the data directory
//! included (a folder name can hold `<`).

use std::path::Path;

use zeroize::Zeroizing;

use crate::kit_file::RecoveryInfo;
use crate::recovery_key::RecoveryKey;

/// The kit page for `key` (as returned with `info` by [`crate::Vault::new_recovery_key`]).
pub fn recovery_kit_html(
    key: &RecoveryKey,
    info: &RecoveryInfo,
    data_dir: &Path,
) -> Zeroizing<String> {
    let display = key.display();
    let date = format_date(info.created_at);
    let mut page = Zeroizing::new(String::with_capacity(4096));
    page.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
        "<title>Latchkey recovery kit</title>\n<style>\n",
        "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}\n",
        "h1{font-size:1.6rem;margin-bottom:.2rem}\n",
        ".key{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:1.5rem;letter-spacing:.08em;",
        "border:2px solid #111;border-radius:.4rem;padding:1rem;text-align:center;margin:1.2rem 0;word-break:break-all}\n",
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0;word-break:break-all}\n",
        ".warn{border-left:4px solid #b00;padding:.4rem .8rem;background:#fff4f4}\n",
        "code{font-family:ui-monospace,Menlo,Consolas,monospace}\n",
        "@media print{body{margin:0}.warn{background:none}}\n",
        "</style>\n</head>\n<body>\n",
        "<h1>Latchkey recovery kit</h1>\n",
        "<p>This page opens your Latchkey vault if the key in your computer's keychain is ever lost ",
        "(a reinstalled system, a reset login keyring, your files restored onto another computer).</p>\n",
        "<p>Recovery key:</p>\n<div class=\"key\">",
    ));
    push_escaped(&mut page, &display);
    page.push_str("</div>\n<dl>\n<dt>Vault id</dt><dd><code>");
    push_escaped(&mut page, &info.vault_id);
    page.push_str("</code></dd>\n<dt>Kit made</dt><dd>");
    push_escaped(&mut page, &date);
    page.push_str("</dd>\n<dt>Kit id</dt><dd><code>");
    push_escaped(&mut page, &info.kit_id);
    page.push_str("</code></dd>\n<dt>Data folder</dt><dd><code>");
    push_escaped(&mut page, &data_dir.display().to_string());
    page.push_str(concat!(
        "</code></dd>\n</dl>\n",
        "<div class=\"warn\"><p><strong>Keep this page offline and private.</strong> Print it or save it ",
        "somewhere only you can reach (not next to the vault's folder, not in a shared drive). ",
        "Anyone with this key and a copy of the data folder can open your passkeys.</p></div>\n",
        "<h2>To recover</h2>\n<ol>\n",
        "<li>Put back the data folder named above (from a backup, if the computer was replaced).</li>\n",
        "<li>Run <code>latchkey recover</code> and type the recovery key, or press <strong>Recover</strong> ",
        "on the Latchkey app's lock screen.</li>\n",
        "<li>Latchkey checks the key, puts the vault's key back into the keychain and opens the vault.</li>\n",
        "</ol>\n",
        "<p>Spaces, dashes and upper or lower case do not matter when you type the key; a typo is caught ",
        "by its last four characters. A newer kit replaces this one: once you make a new kit, this key ",
        "no longer opens the vault.</p>\n",
        "</body>\n</html>\n",
    ));
    page
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// "2026-11-26 11:37 UTC".
fn format_date(unix: u64) -> String {
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp(unix as i64) else {
        return format!("{unix} (Unix time)");
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> RecoveryInfo {
        RecoveryInfo {
            vault_id: "00112233445566778899aabbccddeeff".into(),
            kit_id: "kit<&>\"'".into(),
            created_at: 1_800_000_000,
        }
    }

    #[test]
    fn page_holds_the_key_and_escapes_what_it_prints() {
        let key = RecoveryKey::generate().unwrap();
        let dir = Path::new("/home/a/<script>alert(1)</script>&\"x'");
        let page = recovery_kit_html(&key, &info(), dir);
        assert!(page.contains(key.display().as_str()));
        assert!(page.contains("00112233445566778899aabbccddeeff"));
        assert!(page.contains("2027-01-15 08:00 UTC"));
        assert!(page.contains("latchkey recover"));
        assert!(page.contains("Recover"));
        assert!(!page.contains("<script"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;x&#39;"));
        assert!(page.contains("kit&lt;&amp;&gt;&quot;&#39;"));
        // Self-contained: nothing to fetch, nothing to run.
        for banned in ["src=", "href=", "http://", "https://", "@import", "url("] {
            assert!(!page.contains(banned), "{banned}");
        }
    }
}
