//! The innermost cause of an error: the part a user can act on ("Connection refused"), without
//! the layers of context wrapped around it.

/// The last error in `e`'s source chain, as text.
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_innermost_source_is_named() {
        let inner = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let outer = anyhow::Error::new(inner).context("opening memory");
        assert_eq!(super::root_cause(outer.as_ref()), "refused");
    }
}
