//! The caller's language: Chinese first (简体中文), English on request.
//!
//! Every text a person reads in an answer (problem titles and details, field messages,
//! vocabulary labels) comes from the translation files under `locales/` (one file per area,
//! each key with its `zh-CN` and `en` text side by side) through [`tr!`], in the language the
//! request negotiated (`Accept-Language`; the default is the `GONGKAI_LANGUAGE` setting). The
//! language is set for the duration of a request by the `observe` middleware; outside a
//! request (the command line, the logs) texts are English, the operators' language.

use std::future::Future;

/// A language the service answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag (`Content-Language`, the translation files' keys).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// A configured language: `zh-CN` (or `zh`, `zh-Hans`) or `en`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-cn") || s.starts_with("zh-hans") || s == "zh-sg" {
            Some(Lang::ZhCn)
        } else if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language for an `Accept-Language` header: the first range, by quality, that names
    /// one of ours (`zh-TW` and `zh-HK` read simplified Chinese better than English); the
    /// default when none does or the header is absent.
    pub fn negotiate(accept_language: Option<&str>, default: Lang) -> Lang {
        let Some(header) = accept_language else {
            return default;
        };
        accept_language::parse_with_quality(header)
            .into_iter()
            .filter(|(_, q)| *q > 0.0)
            .find_map(|(range, _)| {
                let r = range.to_ascii_lowercase();
                if r == "*" {
                    Some(default)
                } else if r == "zh" || r.starts_with("zh-") {
                    Some(Lang::ZhCn)
                } else if r == "en" || r.starts_with("en-") {
                    Some(Lang::En)
                } else {
                    None
                }
            })
            .unwrap_or(default)
    }
}

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being served; English outside a request.
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// Runs `f` with `lang` as the current language.
pub fn scope<F: Future>(lang: Lang, f: F) -> impl Future<Output = F::Output> {
    LANG.scope(lang, f)
}

/// Runs `f` synchronously with `lang` as the current language.
pub fn sync_scope<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    LANG.sync_scope(lang, f)
}

/// A translated text in the current language: `tr!("key")`, `tr!("key", max = 100)`.
#[macro_export]
macro_rules! tr {
    ($key:expr) => {
        rust_i18n::t!($key, locale = $crate::i18n::current().tag()).into_owned()
    };
    ($key:expr, $($args:tt)+) => {
        rust_i18n::t!($key, locale = $crate::i18n::current().tag(), $($args)+).into_owned()
    };
}

/// The text of `key` in `lang`, for a text rendered outside the request's language (labels of
/// both languages in the OpenAPI document).
pub fn text(key: &str, lang: Lang) -> String {
    rust_i18n::t!(key, locale = lang.tag()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_callers_first_language_we_speak() {
        let n = |h: Option<&str>| Lang::negotiate(h, Lang::ZhCn);
        assert_eq!(n(None), Lang::ZhCn);
        assert_eq!(n(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(n(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::ZhCn);
        assert_eq!(n(Some("fr-FR, en;q=0.5")), Lang::En);
        assert_eq!(n(Some("fr-FR")), Lang::ZhCn);
        assert_eq!(n(Some("en;q=0.4, zh-TW;q=0.8")), Lang::ZhCn);
        assert_eq!(n(Some("*")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("*"), Lang::En), Lang::En);
        assert_eq!(n(Some("zh;q=0, en")), Lang::En);
    }

    #[test]
    fn every_key_has_both_languages() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let doc: serde_json::Value = serde_yaml::from_str(&text).unwrap();
            for (key, langs) in doc.as_object().unwrap() {
                if key == "_version" {
                    continue;
                }
                for lang in Lang::ALL {
                    let t = langs.get(lang.tag()).and_then(|v| v.as_str());
                    if t.is_none_or(|t| t.trim().is_empty()) {
                        missing.push(format!("{}: {key} ({})", path.display(), lang.tag()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:#?}");
    }

    #[test]
    fn texts_follow_the_current_language() {
        assert_eq!(current(), Lang::En);
        let zh = sync_scope(Lang::ZhCn, || crate::tr!("problem.not-found.title"));
        let en = sync_scope(Lang::En, || crate::tr!("problem.not-found.title"));
        assert_eq!(zh, "未找到");
        assert_eq!(en, "Not found");
    }
}
