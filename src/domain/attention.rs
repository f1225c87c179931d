//! The attention strategy a user chooses: what `full`, `sliding:W[:S]`, `window:W` and `alibi:M`
//! mean, parsed and printed; the engine turns it into llama.cpp settings.

use std::fmt;
use std::str::FromStr;

/// The largest window (and sink count) accepted: the largest context mneme allows.
pub const MAX_WINDOW: u32 = 1 << 20;

/// The default number of attention-sink tokens kept by `sliding`.
pub const DEFAULT_SINKS: u32 = 4;

/// How attention sees the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Attention {
    /// The model as trained (Gemma 3: its own windowed layers, with a window-sized cache for them).
    #[default]
    Full,
    /// StreamingLLM: keep `sinks` first tokens and the last `window`; older ones are evicted and
    /// the rest shifted back, so the cache never holds more than `sinks + window` tokens.
    Sliding { window: u32, sinks: u32 },
    /// Every layer attends only to the last `window` positions (patched llama.cpp), with a
    /// window-sized ring-buffer cache.
    Window { window: u32 },
    /// ALiBi: `-slope_h · |i - j|` added to attention scores, per-head slopes from `max_bias`
    /// (patched llama.cpp).
    Alibi { max_bias: f32 },
}

impl Attention {
    /// The KV cache size in tokens to ask llama.cpp for, given the configured context size.
    pub fn context_size(&self, configured: u32) -> u32 {
        match *self {
            Attention::Sliding { window, sinks } => window + sinks,
            _ => configured,
        }
    }

    /// Sinks and window when the strategy slides.
    pub fn sliding(&self) -> Option<(usize, usize)> {
        match *self {
            Attention::Sliding { window, sinks } => Some((sinks as usize, window as usize)),
            _ => None,
        }
    }
}

impl fmt::Display for Attention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attention::Full => write!(f, "full"),
            Attention::Sliding { window, sinks } => write!(f, "sliding:{window}:{sinks}"),
            Attention::Window { window } => write!(f, "window:{window}"),
            Attention::Alibi { max_bias } => write!(f, "alibi:{max_bias}"),
        }
    }
}

impl FromStr for Attention {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.trim().split(':').collect();
        let number = |i: usize, what: &str| -> Result<u32, String> {
            parts
                .get(i)
                .ok_or_else(|| format!("`{s}`: {what} is missing"))?
                .parse::<u32>()
                .map_err(|_| format!("`{s}`: {what} must be a whole number"))
        };
        let usage = "use full, sliding:W[:S], window:W or alibi:M";
        match parts[0] {
            "full" if parts.len() == 1 => Ok(Attention::Full),
            "sliding" if (2..=3).contains(&parts.len()) => {
                let window = number(1, "the window W")?;
                let sinks = if parts.len() == 3 {
                    number(2, "the sink count S")?
                } else {
                    DEFAULT_SINKS
                };
                if window < 16 {
                    return Err(format!("`{s}`: the window must be at least 16 tokens"));
                }
                if window > MAX_WINDOW || sinks > MAX_WINDOW {
                    return Err(format!(
                        "`{s}`: the window and sinks must be at most {MAX_WINDOW} tokens"
                    ));
                }
                Ok(Attention::Sliding { window, sinks })
            }
            "window" if parts.len() == 2 => {
                let window = number(1, "the window W")?;
                if window == 0 {
                    return Err(format!("`{s}`: the window must be at least 1"));
                }
                if window > MAX_WINDOW {
                    return Err(format!(
                        "`{s}`: the window must be at most {MAX_WINDOW} tokens"
                    ));
                }
                Ok(Attention::Window { window })
            }
            "alibi" if parts.len() == 2 => {
                let max_bias: f32 = parts[1]
                    .parse()
                    .map_err(|_| format!("`{s}`: the slope M must be a number"))?;
                if !(0.0..=64.0).contains(&max_bias) {
                    return Err(format!("`{s}`: the slope M must be between 0 and 64"));
                }
                Ok(Attention::Alibi { max_bias })
            }
            _ => Err(format!("unknown attention `{s}`: {usage}")),
        }
    }
}

impl serde::Serialize for Attention {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Attention {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_parse_print_and_reject_nonsense() {
        for (text, want) in [
            ("full", Attention::Full),
            (
                "sliding:2048",
                Attention::Sliding {
                    window: 2048,
                    sinks: 4,
                },
            ),
            (
                "sliding:512:8",
                Attention::Sliding {
                    window: 512,
                    sinks: 8,
                },
            ),
            ("window:256", Attention::Window { window: 256 }),
            ("alibi:0.5", Attention::Alibi { max_bias: 0.5 }),
        ] {
            let parsed: Attention = text.parse().unwrap();
            assert_eq!(parsed, want);
            assert_eq!(parsed.to_string().parse::<Attention>().unwrap(), want);
        }
        for bad in [
            "",
            "fast",
            "sliding",
            "sliding:x",
            "sliding:8",
            "window:0",
            "alibi:-1",
            "full:3",
            "sliding:1000000000:4",
            "sliding:1024:2000000",
            "window:2000000",
        ] {
            assert!(bad.parse::<Attention>().is_err(), "{bad}");
        }
        assert_eq!(
            Attention::Sliding {
                window: 512,
                sinks: 4
            }
            .context_size(4096),
            516
        );
    }
}
