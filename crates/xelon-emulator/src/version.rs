//! The emulator's own version order, independent of the client's: the
//! emulator checks the client, so it shares none of its code. Xelon's seed
//! versions are plain `MAJOR.MINOR.PATCH`; anything else (a pre-release, a
//! `v` prefix) is ordered after the numeric parts as text, which is all the
//! downgrade check needs.

use std::cmp::Ordering;

/// Orders two dotted versions part by part, numbers numerically (`1.10` >
/// `1.9`), missing parts as 0.
pub fn cmp(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<(u64, String)> {
        v.split('.')
            .map(|p| {
                let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
                (digits.parse().unwrap_or(0), p[digits.len()..].to_owned())
            })
            .collect()
    };
    let (a, b) = (parts(a), parts(b));
    let zero = (0, String::new());
    (0..a.len().max(b.len()))
        .map(|i| a.get(i).unwrap_or(&zero).cmp(b.get(i).unwrap_or(&zero)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_parts_order_numerically() {
        assert_eq!(cmp("1.10.0", "1.9.1"), Ordering::Greater);
        assert_eq!(cmp("1.31.2", "1.31.2"), Ordering::Equal);
        assert_eq!(cmp("1.8", "1.8.0"), Ordering::Equal);
        assert_eq!(cmp("1.29.10", "1.30.6"), Ordering::Less);
    }
}
