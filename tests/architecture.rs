//! The house's rules, read from the source: no import circle anywhere in `src/`, every module
//! on its floor (nothing imports upwards), a feature's `routes` imported by `startup` alone, and
//! the HTTP framework kept out of the features' domain files.
//!
//! The test reads `use` statements and inline `crate::…`/`super::…` paths of every file of
//! `src/` (test modules at the end of a file are left out: they are not part of the build),
//! resolves each to the file that defines the module it names, and checks the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The floors, lowest first. A module is on the floor of the longest prefix listed; it may
/// import from its own floor and below, never above.
const FLOORS: &[(&str, &[&str])] = &[
    (
        "foundation: settings, errors, parsed values, vocabularies, pure rules",
        &[
            "config",
            "error",
            "i18n",
            "telemetry",
            "text_enum",
            "values",
            "markup",
            "clock",
            "workflow",
            "auth::policy",
        ],
    ),
    (
        "infrastructure: database, HTTP layer, document frame, security primitives",
        &["db", "http", "openapi", "pagination", "auth"],
    ),
    ("the context below the handlers", &["state"]),
    (
        "the kernel every feature uses: the caller, the audit log, the working-day calendar",
        &["caller", "audit", "calendar"],
    ),
    (
        "features",
        &[
            "items",
            "applications",
            "feedback",
            "guide",
            "users",
            "tokens",
            "stats",
            "reports",
            "system",
            "sessions",
            "audit::routes",
            "calendar::routes",
        ],
    ),
    ("wiring", &["startup"]),
    ("the binary", &["main"]),
];

/// Files (below `src/`) that may use actix-web although they are not `routes`: the HTTP layer
/// itself, the error type (it renders problem documents), the context, the caller extractor,
/// the wiring and the system endpoints.
const HTTP_FILES: &[&str] = &[
    "error.rs",
    "state.rs",
    "startup.rs",
    "main.rs",
    "pagination.rs",
    "caller.rs",
    "system/mod.rs",
];

struct Source {
    /// Path below `src/`, with `/`.
    file: String,
    /// Module path without `crate`: `items::routes`; `""` for the crate root, `main` for the
    /// binary.
    module: String,
    /// The text without comments and without the test module at its end.
    code: String,
}

fn sources(root: &Path) -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let file = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = match file.as_str() {
                "lib.rs" => String::new(),
                "main.rs" => "main".to_owned(),
                f => f
                    .trim_end_matches(".rs")
                    .trim_end_matches("/mod")
                    .replace('/', "::"),
            };
            let text = std::fs::read_to_string(&path).unwrap();
            Source {
                code: strip(&text),
                file,
                module,
            }
        })
        .collect()
}

/// Drops comments and the trailing `#[cfg(test)] mod tests`.
fn strip(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    body.lines()
        .map(|line| {
            let t = line.trim_start();
            if t.starts_with("//") {
                ""
            } else if let Some(i) = line.find(" // ") {
                &line[..i]
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands `use a::{b, c::{d, e}};` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    // `x as y` names `x`.
    let alias = regex::Regex::new(r"\s+as\s+[A-Za-z_][A-Za-z0-9_]*").unwrap();
    let tree = alias.replace_all(tree, "");
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    fn go(prefix: &str, tree: &str, out: &mut Vec<String>) {
        match tree.find('{') {
            None => out.push(format!("{prefix}{tree}")),
            Some(open) => {
                let head = &tree[..open];
                let inner = &tree[open + 1..tree.len() - 1];
                let mut depth = 0;
                let mut start = 0;
                for (i, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            go(&format!("{prefix}{head}"), &inner[start..i], out);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                if start < inner.len() {
                    go(&format!("{prefix}{head}"), &inner[start..], out);
                }
            }
        }
    }
    let mut out = Vec::new();
    go("", &tree, &mut out);
    out
}

/// Every module path a file names, absolute (without `crate::`). `children` are the names of
/// the file's own submodules, which it may name without a prefix (`routes::configure`).
fn referenced(src: &Source, children: &BTreeSet<String>) -> Vec<String> {
    let use_stmt = regex::Regex::new(r"(?s)\buse\s+([A-Za-z_][^;]*);").unwrap();
    let inline = regex::Regex::new(
        r"(^|[^:A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)((?:::[A-Za-z_][A-Za-z0-9_]*)+)",
    )
    .unwrap();
    let mut raw = Vec::new();
    for c in use_stmt.captures_iter(&src.code) {
        raw.extend(expand(&c[1]));
    }
    let without_uses = use_stmt.replace_all(&src.code, "");
    for c in inline.captures_iter(&without_uses) {
        raw.push(format!("{}{}", &c[2], &c[3]));
    }
    let parent = |m: &str| -> String {
        match m.rfind("::") {
            Some(i) => m[..i].to_owned(),
            None => String::new(),
        }
    };
    raw.into_iter()
        .filter_map(|p| {
            let p = p
                .trim_start_matches("::")
                .trim_end_matches("::*")
                .to_owned();
            let mut segs: Vec<&str> = p.split("::").collect();
            let mut base = match segs[0] {
                "crate" | "gongkai" => String::new(),
                "self" => src.module.clone(),
                // `super` of `a::b` (file a/b.rs or a/b/mod.rs) is `a`.
                "super" => parent(&src.module),
                child if children.contains(child) => {
                    return Some(if src.module.is_empty() {
                        p.clone()
                    } else {
                        format!("{}::{p}", src.module)
                    });
                }
                _ => return None,
            };
            segs.remove(0);
            while segs.first() == Some(&"super") {
                base = parent(&base);
                segs.remove(0);
            }
            let rest = segs.join("::");
            Some(match (base.is_empty(), rest.is_empty()) {
                (true, _) => rest,
                (false, true) => base,
                (false, false) => format!("{base}::{rest}"),
            })
        })
        .collect()
}

/// The names of a module's direct submodules.
fn children_of(module: &str, modules: &BTreeMap<String, String>) -> BTreeSet<String> {
    modules
        .keys()
        .filter_map(|m| {
            let rest = if module.is_empty() {
                Some(m.as_str())
            } else {
                m.strip_prefix(module).and_then(|r| r.strip_prefix("::"))
            }?;
            (!rest.is_empty() && !rest.contains("::")).then(|| rest.to_owned())
        })
        .collect()
}

/// The file that defines the longest module prefix of `path`.
fn resolve<'a>(path: &str, modules: &'a BTreeMap<String, String>) -> Option<&'a str> {
    let segs: Vec<&str> = path.split("::").collect();
    (1..=segs.len())
        .rev()
        .find_map(|n| modules.get(&segs[..n].join("::")).map(String::as_str))
}

fn floor_of(module: &str) -> Option<(usize, &'static str)> {
    let mut best: Option<(usize, usize, &'static str)> = None;
    for (floor, (_, prefixes)) in FLOORS.iter().enumerate() {
        for p in *prefixes {
            let hit = module == *p || module.starts_with(&format!("{p}::"));
            if hit && best.is_none_or(|(len, _, _)| p.len() > len) {
                best = Some((p.len(), floor, p));
            }
        }
    }
    best.map(|(_, floor, p)| (floor, p))
}

struct Graph {
    /// file -> (file it imports, the path that named it)
    edges: BTreeMap<String, BTreeSet<(String, String)>>,
    module_of: BTreeMap<String, String>,
    code: BTreeMap<String, String>,
}

fn graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let srcs = sources(&root);
    let modules: BTreeMap<String, String> = srcs
        .iter()
        .map(|s| (s.module.clone(), s.file.clone()))
        .collect();
    let mut edges = BTreeMap::new();
    for s in &srcs {
        let mut out = BTreeSet::new();
        for path in referenced(s, &children_of(&s.module, &modules)) {
            if let Some(f) = resolve(&path, &modules) {
                if f != s.file && f != "lib.rs" {
                    out.insert((f.to_owned(), path));
                }
            }
        }
        edges.insert(s.file.clone(), out);
    }
    Graph {
        edges,
        module_of: srcs
            .iter()
            .map(|s| (s.file.clone(), s.module.clone()))
            .collect(),
        code: srcs.into_iter().map(|s| (s.file, s.code)).collect(),
    }
}

/// The strongly connected components with more than one member (Tarjan).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        for w in t.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn no_file_of_src_is_in_an_import_circle() {
    let g = graph();
    let plain: BTreeMap<String, BTreeSet<String>> = g
        .edges
        .iter()
        .map(|(f, es)| (f.clone(), es.iter().map(|(t, _)| t.clone()).collect()))
        .collect();
    let found = circles(&plain);
    assert!(found.is_empty(), "import circles among files: {found:#?}");
}

#[test]
fn no_folder_of_src_is_in_an_import_circle() {
    // Folders (top-level modules) as rooms: a feature and the module it builds on must not
    // import each other, even through different files.
    let g = graph();
    let top = |file: &str| {
        file.split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned()
    };
    let mut rooms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, es) in &g.edges {
        let entry = rooms.entry(top(from)).or_default();
        for (to, _) in es {
            if top(to) != top(from) {
                entry.insert(top(to));
            }
        }
    }
    let found = circles(&rooms);
    assert!(found.is_empty(), "import circles among folders: {found:#?}");
}

#[test]
fn nothing_imports_from_a_floor_above_its_own() {
    let g = graph();
    let mut wrong = Vec::new();
    for (from, es) in &g.edges {
        let module = &g.module_of[from];
        if module.is_empty() {
            continue; // the crate root only declares the modules
        }
        let Some((floor, _)) = floor_of(module) else {
            wrong.push(format!(
                "{from}: module `{module}` is on no floor (add it to FLOORS)"
            ));
            continue;
        };
        for (to, path) in es {
            let target = &g.module_of[to];
            let Some((to_floor, _)) = floor_of(target) else {
                continue;
            };
            if to_floor > floor {
                wrong.push(format!(
                    "{from} ({}) imports {path} from {to} ({})",
                    FLOORS[floor].0, FLOORS[to_floor].0
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that run back up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn routes_are_imported_by_the_wiring_alone() {
    let g = graph();
    let mut wrong = Vec::new();
    for (from, es) in &g.edges {
        for (to, path) in es {
            let is_routes = to.ends_with("/routes.rs") || to.contains("/routes/");
            if is_routes && from != "startup.rs" && !same_routes_folder(from, to) {
                wrong.push(format!("{from} imports {path} ({to})"));
            }
            if to == "startup.rs" && from != "main.rs" {
                wrong.push(format!("{from} imports the wiring: {path}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A feature's routes may be split into files of a `routes/` folder that use each other.
fn same_routes_folder(from: &str, to: &str) -> bool {
    let folder = |f: &str| f.rsplit_once('/').map(|(d, _)| d.to_owned());
    from.contains("/routes/") && folder(from) == folder(to)
}

#[test]
fn the_http_framework_stays_out_of_the_domain() {
    let g = graph();
    let mut wrong = Vec::new();
    for (file, code) in &g.code {
        let http_layer = file.starts_with("http/")
            || file.ends_with("routes.rs")
            || file.contains("/routes/")
            || HTTP_FILES.contains(&file.as_str());
        if !http_layer && (code.contains("actix_web") || code.contains("actix_multipart")) {
            wrong.push(file.clone());
        }
    }
    assert!(
        wrong.is_empty(),
        "domain files that use actix: {wrong:?} (handlers belong in routes.rs)"
    );
}

#[test]
fn handlers_leave_the_database_to_their_feature() {
    // A handler extracts, authorises, calls its feature and maps the answer: queries live in
    // the feature's `repo` (or its other domain files), never in `routes`.
    let g = graph();
    let wrong: Vec<&String> = g
        .code
        .iter()
        .filter(|(file, code)| {
            (file.ends_with("routes.rs") || file.contains("/routes/"))
                && (code.contains("diesel") || code.contains("RunQueryDsl"))
        })
        .map(|(file, _)| file)
        .collect();
    assert!(
        wrong.is_empty(),
        "routes that query the database: {wrong:?}"
    );
}

/// Files longer than this say why at their top (a line of their module documentation that
/// starts with "Long because").
const MAX_LINES: usize = 600;

#[test]
fn long_files_say_why() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for s in sources(&root) {
        let text = std::fs::read_to_string(root.join(&s.file)).unwrap();
        // Tests at the end of a file do not count.
        let code_lines = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => text[..i].lines().count(),
            None => text.lines().count(),
        };
        let says_why = text.lines().take_while(|l| l.starts_with("//!")).any(|l| {
            l.trim_start_matches("//!")
                .trim()
                .starts_with("Long because")
        });
        if code_lines > MAX_LINES && !says_why {
            wrong.push(format!("{} ({code_lines} lines)", s.file));
        }
    }
    assert!(
        wrong.is_empty(),
        "files over {MAX_LINES} lines without a reason: {wrong:?}"
    );
}

#[test]
fn the_reader_resolves_paths_as_rustc_does() {
    let src = Source {
        file: "items/routes.rs".into(),
        module: "items::routes".into(),
        code: "use super::{model::Item, repo};\nuse crate::http::{Json, conditional::ETag};\nfn f() { crate::audit::record(); super::super::clock::today(); }".into(),
    };
    let none = BTreeSet::new();
    let got: BTreeSet<String> = referenced(&src, &none).into_iter().collect();
    let want: BTreeSet<String> = [
        "items::model::Item",
        "items::repo",
        "http::Json",
        "http::conditional::ETag",
        "audit::record",
        "clock::today",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
    let module_file = Source {
        file: "items/mod.rs".into(),
        module: "items".into(),
        code: "use self::model::Status;\nuse super::values::Phone;\nuse std::fmt;\nfn f(b: routes::Body) { chrono::Utc::now(); }".into(),
    };
    let children: BTreeSet<String> = ["model", "routes"].into_iter().map(String::from).collect();
    let got: BTreeSet<String> = referenced(&module_file, &children).into_iter().collect();
    assert_eq!(
        got,
        [
            "items::model::Status",
            "values::Phone",
            "items::routes::Body"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
}
