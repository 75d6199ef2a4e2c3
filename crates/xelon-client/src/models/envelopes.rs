//! The envelopes around answers: `{"data", "message"}` and pages.

use super::lenient;
use serde::{Deserialize, Serialize};

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The page's items.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// Where the page sits in the whole list.
    #[serde(default)]
    pub meta: PageMeta,
}

/// The `meta` of a [`Page`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageMeta {
    /// This page's number, from 1.
    #[serde(deserialize_with = "lenient::number")]
    pub current_page: u64,
    /// The last page's number.
    #[serde(deserialize_with = "lenient::number")]
    pub last_page: u64,
    /// Items per page.
    #[serde(deserialize_with = "lenient::number")]
    pub per_page: u64,
    /// Items in the whole list.
    #[serde(deserialize_with = "lenient::number")]
    pub total: u64,
    /// The position of this page's first item (none on an empty page).
    #[serde(deserialize_with = "lenient::opt_number")]
    pub from: Option<u64>,
    /// The position of this page's last item (none on an empty page).
    #[serde(deserialize_with = "lenient::opt_number")]
    pub to: Option<u64>,
}

/// `{"data": T, "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The payload.
    pub data: T,
    /// A human message some calls add.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
}
