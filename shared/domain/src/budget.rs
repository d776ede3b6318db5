//! The byte budget of one response. A Lambda response behind API Gateway is
//! at most 6 MB, and lambda_http carries the JSON body as a string inside its
//! own JSON, where every `"` and `\` gains a backslash. Lists and the
//! `GET /context` history stop adding items before their serialized size,
//! counted that way, passes [`MAX_RESPONSE_BYTES`] — locally too, so a
//! client sees the same pages everywhere.

use serde::Serialize;

/// Most bytes of items one response carries (5 MiB, under Lambda's 6 MB
/// with room for the envelope), as [`json_size`] counts them.
pub const MAX_RESPONSE_BYTES: usize = 5 * 1024 * 1024;

/// The size of `value` as JSON once it is embedded in a JSON string: its
/// compact serialization plus one byte per `"` and `\` it holds. Counted
/// through a writer, nothing is kept.
pub fn json_size<T: Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() + buf.iter().filter(|b| matches!(b, b'"' | b'\\')).count();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        // A value that does not serialize will fail the response anyway;
        // count it as too large so it is never the reason a page grows.
        Err(_) => usize::MAX / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_backslashes_count_twice() {
        assert_eq!(json_size(&"ab"), 2 + 2 + 2); // "ab" → 4 bytes, two quotes doubled
        assert_eq!(
            json_size(&"a\"b"),
            serde_json::to_string("a\"b").unwrap().len() + 2 + 2
        );
        assert_eq!(json_size(&serde_json::json!({"k": 1})), 7 + 2);
    }
}
