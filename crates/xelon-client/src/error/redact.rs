//! Finding the API token in a text however the text spells it.
//!
//! A server, a proxy or a framework that echoes the token seldom echoes it
//! as it was sent: a URL carries it percent-encoded (`%2F`, `%2f`, `+` for
//! a space), a JSON body with escapes (`\/`, `\"`, `\u0041`), an HTML page
//! with entities (`&#47;`), serde_json's messages with Rust's escapes
//! (`\u{1b}`), a log line lower- or upper-cased, an echoed `Authorization`
//! header base64-encoded (`Bearer <token>`, `user:<token>`). A [`Redactor`]
//! finds the token by what these spell, not by their bytes:
//!
//! 1. The text is read through a few *views*: the text itself, the text
//!    with its escapes decoded once, and decoded twice (an escape inside an
//!    escape, e.g. `%5C%2F`). Each view is a byte string plus, for each of
//!    its bytes, the range of the original text it came from.
//! 2. Each view is *folded*: letters to one case (any mix of upper and
//!    lower case reads the same), `+` to a space (form encoding).
//! 3. The folded views are searched for the folded secret, and for the
//!    base64 of the secret at each of the three alignments (so the base64
//!    of `Bearer <token>`, of `<token>` alone and of `user:<token>` are all
//!    found, standard or URL-safe, padded or not). A long secret is found
//!    wherever any [`LONG_SECRET`] consecutive bytes of one of these forms
//!    occur (a fragment of the token is as secret as the token); a short one
//!    only whole, as a word of its own.
//! 4. Each match is mapped back to the original bytes it came from; the
//!    stretches of the original text they cover (overlapping or touching
//!    ones together) each become one `***`.
//!
//! Everything is linear in the length of the text (each view is built in
//! one pass, each search reads each position once, with an 8-byte window
//! looked up among the secret's windows), bar the sort of the matches.

use base64::Engine as _;

/// Secrets at least this many bytes long are redacted wherever any run of
/// this many of their bytes occurs. Shorter ones (as in tests and demos)
/// only where they stand as a word of their own.
pub(crate) const LONG_SECRET: usize = 8;

/// A window of [`LONG_SECRET`] bytes, read as one number.
type Window = u64;

/// How many passes redaction makes at most. It goes on until a pass finds
/// nothing: the second finds nothing unless the `***` put in completes a
/// new match (a long secret containing `*`, a short one that a `*` next to
/// it makes a word). A text that still holds a match after that many is
/// replaced whole.
const MAX_PASSES: usize = 8;

/// How many times the escapes of a text are decoded: once, and once more
/// for an escape inside an escape.
const DECODE_LEVELS: usize = 2;

/// Finds and replaces one secret, however spelled (see the module's
/// documentation). Built once per secret, used for every text of an answer.
pub(crate) struct Redactor {
    /// The folded secret, when it is short: replaced only as a word.
    word: Option<Vec<u8>>,
    /// Every [`LONG_SECRET`]-byte window of each form of a long secret,
    /// sorted for a binary search.
    windows: Vec<Window>,
    /// Which first two bytes some window starts with (a bit per pair), to
    /// skip most positions without a search.
    pairs: Vec<u64>,
}

impl Redactor {
    /// A redactor of `secret`; an empty secret redacts nothing.
    pub(crate) fn new(secret: &str) -> Redactor {
        let mut redactor = Redactor {
            word: None,
            windows: Vec::new(),
            pairs: vec![0; 65536 / 64],
        };
        if secret.is_empty() {
            return redactor;
        }
        let folded = fold(secret.as_bytes(), None).bytes;
        // (Folding may shorten a secret, e.g. the Kelvin sign's 3 bytes to
        // a `k`: it is as short as its folded form.)
        if secret.len() < LONG_SECRET || folded.len() < LONG_SECRET {
            redactor.word = Some(folded);
            return redactor;
        }
        let mut forms = vec![folded];
        // The secret's own escapes decoded, for a text that spells its
        // escapes and its plain characters alike.
        let mut decoded = View::plain(secret.as_bytes());
        for _ in 0..DECODE_LEVELS {
            match decode(&decoded) {
                Some(next) => decoded = next,
                None => break,
            }
            forms.push(fold(&decoded.bytes, None).bytes);
        }
        forms.extend(base64_forms(secret.as_bytes()).map(|f| fold(&f, None).bytes));
        // A form shorter than a window (a secret made mostly of escapes,
        // decoded) has no window: the secret itself still has all of its own.
        for form in forms {
            for run in form.windows(LONG_SECRET) {
                redactor.windows.push(window(run));
                let pair = usize::from(run[0]) << 8 | usize::from(run[1]);
                redactor.pairs[pair / 64] |= 1 << (pair % 64);
            }
        }
        redactor.windows.sort_unstable();
        redactor.windows.dedup();
        redactor
    }

    /// `text` with every spelling of the secret replaced by `***` (see the
    /// module's documentation): the result holds no match, nor can any cut
    /// of it.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for _ in 0..MAX_PASSES {
            let stretches = self.stretches(&out);
            if stretches.is_empty() {
                return out;
            }
            out = replace(&out, &stretches);
        }
        if self.stretches(&out).is_empty() {
            out
        } else {
            "***".to_owned()
        }
    }

    /// The stretches of `text` (byte ranges, sorted, apart, on character
    /// boundaries) that spell the secret in some view.
    fn stretches(&self, text: &str) -> Vec<(usize, usize)> {
        if self.word.is_none() && self.windows.is_empty() {
            return Vec::new();
        }
        let mut found = Vec::new();
        let mut view = View::plain(text.as_bytes());
        for level in 0..=DECODE_LEVELS {
            if level > 0 {
                match decode(&view) {
                    Some(next) => view = next,
                    None => break,
                }
            }
            self.search(&fold(&view.bytes, view.from.as_deref()), &mut found);
        }
        found.sort_unstable();
        let mut stretches: Vec<(usize, usize)> = Vec::with_capacity(found.len());
        for (start, end) in found {
            let (start, end) = (floor_char(text, start), ceil_char(text, end));
            match stretches.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => stretches.push((start, end)),
            }
        }
        stretches
    }

    /// Adds to `found` the original range of each match in the folded
    /// `view`.
    fn search(&self, view: &View, found: &mut Vec<(usize, usize)>) {
        let bytes = &view.bytes;
        let mut add = |start: usize, len: usize| {
            found.push((view.origin(start).0, view.origin(start + len - 1).1));
        };
        if let Some(word) = &self.word {
            for start in find_all(bytes, word) {
                let end = start + word.len();
                if !char_before(bytes, start).is_some_and(is_word)
                    && !char_at(bytes, end).is_some_and(is_word)
                {
                    add(start, word.len());
                }
            }
            return;
        }
        if bytes.len() >= LONG_SECRET {
            for start in 0..=bytes.len() - LONG_SECRET {
                let pair = usize::from(bytes[start]) << 8 | usize::from(bytes[start + 1]);
                if self.pairs[pair / 64] & (1 << (pair % 64)) == 0 {
                    continue;
                }
                let run = window(&bytes[start..start + LONG_SECRET]);
                if self.windows.binary_search(&run).is_ok() {
                    add(start, LONG_SECRET);
                }
            }
        }
    }
}

/// Replaces each of `stretches` (sorted, apart) of `text` by `***`.
fn replace(text: &str, stretches: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut kept = 0;
    for &(start, end) in stretches {
        out.push_str(&text[kept..start]);
        out.push_str("***");
        kept = end;
    }
    out.push_str(&text[kept..]);
    out
}

fn window(run: &[u8]) -> Window {
    let mut bytes = [0; LONG_SECRET];
    bytes.copy_from_slice(run);
    Window::from_le_bytes(bytes)
}

/// Where `needle` (short) starts in `haystack`, overlapping ones included.
fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let last = haystack.len().checked_sub(needle.len());
    (0..last.map_or(0, |l| l + 1)).filter(move |&i| haystack[i..].starts_with(needle))
}

/// Characters that make a short secret part of a longer word.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// The character that starts at `at` in `bytes` (which may hold bytes that
/// are not UTF-8: they are no character).
fn char_at(bytes: &[u8], at: usize) -> Option<char> {
    let rest = &bytes[at.min(bytes.len())..];
    let rest = &rest[..rest.len().min(4)];
    let valid = rest.utf8_chunks().next()?.valid();
    valid.chars().next()
}

/// The character that ends at `at` in `bytes`.
fn char_before(bytes: &[u8], at: usize) -> Option<char> {
    (1..=4.min(at)).find_map(|len| {
        let chunk = std::str::from_utf8(&bytes[at - len..at]).ok()?;
        let mut chars = chunk.chars();
        let c = chars.next()?;
        chars.next().is_none().then_some(c)
    })
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The base64 of the secret at each alignment (preceded by 0, 1 or 2
/// bytes of something else, e.g. `Bearer ` is 7 bytes, so 1), standard and
/// URL-safe: only the characters that the secret's bytes alone decide, so
/// that they are the same whatever comes before or after it, and whether
/// the encoding is padded or not.
fn base64_forms(secret: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    (0..3).flat_map(move |align| {
        let mut data = vec![0; align];
        data.extend_from_slice(secret);
        // Character j stands for bits 6j..6j+6; the secret's bits are
        // 8*align..8*(align+len).
        let first = (8 * align).div_ceil(6);
        let last = 8 * data.len() / 6;
        [STANDARD_NO_PAD, URL_SAFE_NO_PAD]
            .map(|engine| engine.encode(&data).as_bytes()[first..last].to_vec())
    })
}

/// A text as read some way: its bytes, and where each came from in the
/// original text.
struct View {
    bytes: Vec<u8>,
    /// For each byte, the range of the original text it stands for; `None`
    /// when each byte stands for itself.
    from: Option<Vec<(usize, usize)>>,
}

impl View {
    fn plain(bytes: &[u8]) -> View {
        View {
            bytes: bytes.to_vec(),
            from: None,
        }
    }

    fn with_capacity(len: usize) -> View {
        View {
            bytes: Vec::with_capacity(len),
            from: Some(Vec::with_capacity(len)),
        }
    }

    /// The original range of byte `at`.
    fn origin(&self, at: usize) -> (usize, usize) {
        origin(self.from.as_deref(), at)
    }

    /// Appends `byte`, standing for `from`.
    fn push_byte(&mut self, byte: u8, from: (usize, usize)) {
        self.bytes.push(byte);
        if let Some(map) = &mut self.from {
            map.push(from);
        }
    }

    /// Appends `bytes`, all standing for `from`.
    fn push(&mut self, bytes: &[u8], from: (usize, usize)) {
        self.bytes.extend_from_slice(bytes);
        if let Some(map) = &mut self.from {
            map.extend(std::iter::repeat_n(from, bytes.len()));
        }
    }
}

fn origin(from: Option<&[(usize, usize)]>, at: usize) -> (usize, usize) {
    from.map_or((at, at + 1), |map| map[at])
}

/// `bytes` (standing for `from`) folded: each character to a lower case
/// form that its upper- and lower-case spellings share, `+` to a space.
/// Bytes that are not UTF-8 stay as they are.
fn fold(bytes: &[u8], from: Option<&[(usize, usize)]>) -> View {
    let mut out = View::with_capacity(bytes.len());
    let mut at = 0;
    let mut buf = [0; 4];
    while at < bytes.len() {
        let byte = bytes[at];
        if byte.is_ascii() {
            let folded = match byte {
                b'+' => b' ',
                b => b.to_ascii_lowercase(),
            };
            out.push_byte(folded, origin(from, at));
            at += 1;
            continue;
        }
        let Some(c) = char_at(bytes, at) else {
            out.push_byte(byte, origin(from, at));
            at += 1;
            continue;
        };
        let len = c.len_utf8();
        let range = (origin(from, at).0, origin(from, at + len - 1).1);
        for upper in c.to_uppercase() {
            for lower in upper.to_lowercase() {
                out.push(lower.encode_utf8(&mut buf).as_bytes(), range);
            }
        }
        at += len;
    }
    out
}

/// `view` with its escapes decoded (percent-encoding, JSON and Rust
/// backslash escapes, HTML character references), or `None` when it has
/// none.
fn decode(view: &View) -> Option<View> {
    let bytes = &view.bytes;
    let mut out = View::with_capacity(bytes.len());
    let mut changed = false;
    let mut at = 0;
    let mut buf = [0; 4];
    while at < bytes.len() {
        let rest = &bytes[at..];
        let escape = match rest[0] {
            b'%' => percent(rest).map(|(b, used)| (Decoded::Byte(b), used)),
            b'\\' => backslash(rest).map(|(c, used)| (Decoded::Char(c), used)),
            b'&' => reference(rest).map(|(c, used)| (Decoded::Char(c), used)),
            _ => None,
        };
        match escape {
            Some((decoded, used)) => {
                let range = (view.origin(at).0, view.origin(at + used - 1).1);
                match decoded {
                    Decoded::Byte(b) => out.push(&[b], range),
                    Decoded::Char(c) => out.push(c.encode_utf8(&mut buf).as_bytes(), range),
                }
                changed = true;
                at += used;
            }
            None => {
                out.push_byte(rest[0], view.origin(at));
                at += 1;
            }
        }
    }
    changed.then_some(out)
}

enum Decoded {
    Byte(u8),
    Char(char),
}

fn hex(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// `%HH` (either case): one byte.
fn percent(rest: &[u8]) -> Option<(u8, usize)> {
    let value = hex(rest.get(1..3)?)?;
    Some((u8::try_from(value).ok()?, 3))
}

/// A backslash escape of JSON (`\"`, `\\`, `\/`, `\n`, `\u00e9`, a
/// surrogate pair `\ud83d\ude00`) or of Rust's `{:?}` (`\'`, `\0`,
/// `\u{e9}`), or `\xHH`.
fn backslash(rest: &[u8]) -> Option<(char, usize)> {
    let simple = match *rest.get(1)? {
        c @ (b'"' | b'\\' | b'/' | b'\'') => Some(char::from(c)),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        b'0' => Some('\0'),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, 2));
    }
    match *rest.get(1)? {
        b'x' => Some((char::from_u32(hex(rest.get(2..4)?)?)?, 4)),
        b'u' if rest.get(2) == Some(&b'{') => {
            let close = rest.iter().take(10).position(|&b| b == b'}')?;
            Some((char::from_u32(hex(&rest[3..close])?)?, close + 1))
        }
        b'u' => {
            let unit = hex(rest.get(2..6)?)?;
            if let Some(c) = char::from_u32(unit) {
                return Some((c, 6));
            }
            // A surrogate: only a high one followed by a low one is a
            // character.
            let low = match rest.get(6..8) {
                Some(b"\\u") => hex(rest.get(8..12)?)?,
                _ => return None,
            };
            if !(0xD800..0xDC00).contains(&unit) || !(0xDC00..0xE000).contains(&low) {
                return None;
            }
            let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?;
            Some((c, 12))
        }
        _ => None,
    }
}

/// An HTML character reference: `&#47;`, `&#x2F;`, or one of the named
/// ones a token's characters have (`&amp;`, `&sol;`, `&plus;`, ...).
fn reference(rest: &[u8]) -> Option<(char, usize)> {
    let end = rest.iter().take(12).position(|&b| b == b';')?;
    let name = &rest[1..end];
    let c = match name {
        [b'#', b'x' | b'X', digits @ ..] => char::from_u32(hex(digits)?)?,
        [b'#', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            char::from_u32(std::str::from_utf8(digits).ok()?.parse().ok()?)?
        }
        b"amp" => '&',
        b"quot" => '"',
        b"apos" => '\'',
        b"lt" => '<',
        b"gt" => '>',
        b"sol" => '/',
        b"plus" => '+',
        b"equals" => '=',
        b"colon" => ':',
        b"percnt" => '%',
        b"bsol" => '\\',
        _ => return None,
    };
    Some((c, end + 1))
}
