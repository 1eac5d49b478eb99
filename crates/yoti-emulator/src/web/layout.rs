//! The shell every page shares (head, header, footer) and the helpers that keep user input
//! inert: colours are accepted only as hex, URLs only as http(s), JSON islands cannot close
//! their `<script>`.

use maud::{DOCTYPE, Markup, PreEscaped, html};

/// What a page puts in its shell.
#[derive(Debug)]
pub(super) struct Shell<'a> {
    pub(super) title: &'a str,
    /// The `lang` attribute.
    pub(super) lang: &'a str,
    /// Where the stylesheet is, relative to the page or absolute.
    pub(super) stylesheet: &'a str,
    /// CSS custom properties (`--primary: #2875bc; ...`), already checked.
    pub(super) theme: String,
    /// The product line under the logo.
    pub(super) product: &'a str,
}

/// A whole HTML document.
pub(super) fn document(shell: &Shell<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(shell.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (shell.title) }
                link rel="stylesheet" href=(shell.stylesheet);
            }
            body style=(shell.theme) {
                header.topbar {
                    div.brand {
                        span.logo aria-hidden="true" { "Y" }
                        span.brand-name { "yoti" }
                        span.brand-product { (shell.product) }
                    }
                    span.badge { "emulator" }
                }
                (body)
                footer.foot {
                    "Served by yoti-emulator: a local stand-in for Yoti. Nothing here leaves your machine."
                }
            }
        }
    }
}

/// A CSS colour from the session's `sdk_config`, if it is a plain hex colour (`#rgb`,
/// `#rrggbb`, `#rrggbbaa`); anything else is ignored, so user input never reaches the CSS.
pub(super) fn hex_colour(value: Option<&str>) -> Option<&str> {
    let v = value?.trim();
    let digits = v.strip_prefix('#')?;
    (matches!(digits.len(), 3 | 4 | 6 | 8) && digits.chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(v)
}

/// A redirect URL from the session's `sdk_config`, if it is `http(s)://` (never
/// `javascript:` or `data:`).
pub(super) fn web_url(value: Option<&str>) -> Option<&str> {
    let v = value?.trim();
    let lower = v.get(..8).unwrap_or(v).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(v)
}

/// A JSON island: `<script type="application/json" id=..>` whose text cannot end the
/// element (`<`, `>` and `&` are written as JSON escapes).
pub(super) fn json_island(id: &str, value: &serde_json::Value) -> Markup {
    let text = value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    html! {
        script type="application/json" id=(id) { (PreEscaped(text)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_colours_pass() {
        assert_eq!(hex_colour(Some("#2875BC")), Some("#2875BC"));
        assert_eq!(hex_colour(Some("#abc")), Some("#abc"));
        assert_eq!(hex_colour(Some("red")), None);
        assert_eq!(hex_colour(Some("#fff;background:url(x)")), None);
        assert_eq!(hex_colour(None), None);
    }

    #[test]
    fn only_http_urls_pass() {
        assert!(web_url(Some("https://example.com/ok")).is_some());
        assert!(web_url(Some("HTTP://localhost:3000/done")).is_some());
        assert!(web_url(Some("javascript:alert(1)")).is_none());
        assert!(web_url(Some("data:text/html,x")).is_none());
    }

    #[test]
    fn json_islands_cannot_close_their_script() {
        let island = json_island("d", &serde_json::json!({"x": "</script><script>alert(1)"}));
        let text = island.into_string();
        assert_eq!(text.matches("</script>").count(), 1, "{text}");
        assert!(text.contains("\\u003c/script\\u003e"));
    }
}
