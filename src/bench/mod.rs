//! Benchmarks behind `mneme bench`: each reports machine-readable numbers and ratios to a baseline run in the same process.

pub mod assets;
pub mod attention;
pub mod chat_passkey;
pub mod daemon;
pub mod engine;
pub mod facts;
pub mod memory;
pub mod recall;
pub mod tui;

/// The median of a list of measurements (0 for none).
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// `a / b`, or 0 when `b` is 0.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_and_even_lists() {
        assert_eq!(super::median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(super::median(&mut []), 0.0);
    }
}
