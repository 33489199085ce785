//! Attachments: files checked by their content (not their name), stored in PostgreSQL with
//! their SHA-256. Adding or removing one is a change of the item (a new version, a revision,
//! an audit entry), allowed where editing is.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::model::{Act, AttachmentMeta, Change, Status};
use super::repo::{self, NewAttachment};
use super::rules;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};

/// Largest attachment, in bytes (20 MiB).
pub const MAX_ATTACHMENT: usize = 20 * 1024 * 1024;

/// A kind of file the catalogue accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Doc,
    Docx,
    Xls,
    Xlsx,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Doc => "application/msword",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xls => "application/vnd.ms-excel",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }
}

const OLE2: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What a file is, from its bytes: PDF, PNG and JPEG by their signatures; DOC and XLS are
/// OLE2 compound files with a `WordDocument` or `Workbook`/`Book` stream; DOCX and XLSX are
/// ZIP archives with `[Content_Types].xml` and a `word/` or `xl/` part. Anything else is
/// refused.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        return Some(FileKind::Pdf);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(FileKind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if bytes.starts_with(OLE2) {
        if contains(bytes, &utf16le("WordDocument")) {
            return Some(FileKind::Doc);
        }
        if contains(bytes, &utf16le("Workbook")) || contains(bytes, &utf16le("Book\0")) {
            return Some(FileKind::Xls);
        }
        return None;
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
        let names: Vec<String> = archive
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect();
        if !names.iter().any(|n| n == "[Content_Types].xml") {
            return None;
        }
        if names.iter().any(|n| n.starts_with("word/")) {
            return Some(FileKind::Docx);
        }
        if names.iter().any(|n| n.starts_with("xl/")) {
            return Some(FileKind::Xlsx);
        }
    }
    None
}

/// The base name of an uploaded file's name: no directories (`../../etc/passwd` is
/// `passwd`), no control characters, at most 255 characters. `None` when nothing is left.
pub fn sanitise_file_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        None
    } else {
        Some(cleaned)
    }
}

/// `Content-Disposition` for a download: an ASCII fallback and the UTF-8 name (RFC 6266).
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
        .replace('*', "%2A");
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// An uploaded file's name as stored (see [`sanitise_file_name`]); 422 when nothing is left.
pub fn file_name(raw: &str) -> AppResult<String> {
    sanitise_file_name(raw).ok_or_else(|| AppError::invalid("file", "the file needs a name"))
}

/// Stores an attachment: a change of the item (new version, a revision, an audit entry).
pub async fn add(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    item_id: Uuid,
    file_name: String,
    bytes: Vec<u8>,
) -> AppResult<AttachmentMeta> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "the file is empty"));
    }
    let kind = sniff(&bytes).ok_or_else(|| {
        AppError::UnsupportedMediaType(
            "the file is not a PDF, DOC, DOCX, XLS, XLSX, JPEG or PNG (checked by its content)"
                .into(),
        )
    })?;
    let digest = Sha256::digest(&bytes).to_vec();
    let size = bytes.len() as i32;
    conn.transaction(async |conn| {
        let row = repo::lock(conn, item_id).await?;
        rules::ensure_allowed(Act::Attach, row.status)?;
        rules::ensure_may_change(caller, row.status)?;
        let file = NewAttachment {
            file_name: &file_name,
            content_type: kind.content_type(),
            size,
            sha256: &digest,
            content: &bytes,
        };
        let meta = repo::insert_attachment(conn, item_id, file).await?;
        let row = repo::bump(conn, item_id).await?;
        repo::record_revision(
            conn,
            caller.into(),
            &row,
            Change::AttachmentAdded,
            &["attachments"],
            Some(&file_name),
        )
        .await?;
        crate::audit::record(
            conn,
            caller,
            "item.attachment_added",
            "item",
            Some(item_id.to_string()),
            serde_json::json!({"attachment_id": meta.id, "file_name": file_name, "size": size, "content_type": kind.content_type()}),
        )
        .await?;
        Ok(meta)
    })
    .await
}

/// Removes an attachment (same rules as adding one).
pub async fn remove(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    item_id: Uuid,
    attachment_id: Uuid,
) -> AppResult<()> {
    conn.transaction(async |conn| {
        let row = repo::lock(conn, item_id).await?;
        if !rules::sees_all(caller) {
            return Err(AppError::NotFound);
        }
        rules::ensure_allowed(Act::Attach, row.status)?;
        rules::ensure_may_change(caller, row.status)?;
        let name = repo::delete_attachment(conn, item_id, attachment_id).await?;
        let row = repo::bump(conn, item_id).await?;
        repo::record_revision(
            conn,
            caller.into(),
            &row,
            Change::AttachmentRemoved,
            &["attachments"],
            Some(&name),
        )
        .await?;
        crate::audit::record(
            conn,
            caller,
            "item.attachment_removed",
            "item",
            Some(item_id.to_string()),
            serde_json::json!({"attachment_id": attachment_id, "file_name": name}),
        )
        .await?;
        Ok(())
    })
    .await
}

/// An attachment with its bytes, and the status of its item.
pub struct Download {
    pub meta: AttachmentMeta,
    pub bytes: Vec<u8>,
    pub item_status: Status,
}

/// Loads an attachment if the caller may see its item (404 otherwise).
pub async fn load(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    item_id: Uuid,
    attachment_id: Uuid,
) -> AppResult<Download> {
    let (meta, bytes, item_status) =
        repo::attachment_with_content(conn, item_id, attachment_id).await?;
    if !rules::visible(caller, item_status) {
        return Err(AppError::NotFound);
    }
    Ok(Download {
        meta,
        bytes,
        item_status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(
            sanitise_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            sanitise_file_name("C:\\Users\\a\\工作要点.pdf").as_deref(),
            Some("工作要点.pdf")
        );
        assert_eq!(
            sanitise_file_name("a\u{0}b\nc.pdf").as_deref(),
            Some("abc.pdf")
        );
        assert_eq!(sanitise_file_name("../.."), None);
        assert_eq!(sanitise_file_name("dir/"), None);
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(FileKind::Jpeg));
        assert_eq!(sniff(b"MZ\x90\x00 an executable"), None);
        assert_eq!(sniff(b"<html>"), None);
        let mut doc = OLE2.to_vec();
        doc.extend(utf16le("WordDocument"));
        assert_eq!(sniff(&doc), Some(FileKind::Doc));
        let mut xls = OLE2.to_vec();
        xls.extend(utf16le("Workbook"));
        assert_eq!(sniff(&xls), Some(FileKind::Xls));
        assert_eq!(sniff(OLE2), None);
    }

    #[test]
    fn dispositions_carry_utf8_names() {
        let d = content_disposition("工作 要点.pdf");
        assert!(d.starts_with("attachment; filename=\"__ __.pdf\""), "{d}");
        assert!(
            d.ends_with("filename*=UTF-8''%E5%B7%A5%E4%BD%9C%20%E8%A6%81%E7%82%B9.pdf"),
            "{d}"
        );
    }
}
