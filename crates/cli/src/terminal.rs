//! Reading from the person: a question on the terminal, or one line from stdin. The commands
//! that ask (delete, `export --plain`, `recover`, the transfer passphrases) word their own
//! questions and decide what an answer means; this module only does the reading, once.

use std::io::{BufRead, Write};

use zeroize::Zeroizing;

use crate::error::CliError;

/// Asks `question` on the controlling terminal and returns the answer, trimmed. The terminal
/// is opened directly (not stdin/stdout), so a command whose output is piped still asks the
/// person; without one (a script, a service) the caller's `no_terminal` message is the error,
/// which should say how to go on (usually `--yes`).
pub fn ask_tty(question: &str, no_terminal: &str) -> Result<String, CliError> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| CliError::Usage(no_terminal.into()))?;
    let mut w = tty
        .try_clone()
        .map_err(|e| CliError::Other(e.to_string()))?;
    write!(w, "{question}").ok();
    w.flush().ok();
    let mut line = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| CliError::Other(e.to_string()))?;
    Ok(line.trim().to_owned())
}

/// One line from stdin (a secret: wiped when dropped), at most `max` bytes, without its line
/// ending; other spaces are kept, since a passphrase may begin or end with one. `what` names
/// the secret in the error ("could not read {what}: …").
pub fn stdin_line(max: u64, what: &str) -> Result<Zeroizing<String>, CliError> {
    read_line(std::io::stdin().lock(), max, what)
}

fn read_line(from: impl BufRead, max: u64, what: &str) -> Result<Zeroizing<String>, CliError> {
    let mut line = Zeroizing::new(String::new());
    from.take(max)
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("could not read {what}: {e}")))?;
    let end = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(end);
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], max: u64) -> Result<String, String> {
        read_line(input, max, "the test line")
            .map(|l| l.as_str().to_owned())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn only_the_line_ending_is_removed() {
        assert_eq!(
            read(b"  two words \r\nnext line\n", 1024).unwrap(),
            "  two words "
        );
        assert_eq!(read(b"no ending", 1024).unwrap(), "no ending");
        assert_eq!(read(b"", 1024).unwrap(), "");
    }

    #[test]
    fn reads_no_more_than_max_bytes() {
        assert_eq!(read(b"abcdefgh\n", 4).unwrap(), "abcd");
    }

    #[test]
    fn a_line_that_is_not_text_names_what_was_being_read() {
        let e = read(b"\xff\xfe\n", 1024).unwrap_err();
        assert!(e.contains("could not read the test line"), "{e}");
    }
}
