//! Listing page by page: [`Pages`], the one paging loop of the client,
//! used whole by the `list_*` calls and one page at a time by callers that
//! may stop early (list resources with a limit: [`Client::cluster_pages`]).

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::client::{Client, MAX_PAGES, PER_PAGE};
use super::error::Result;
use super::models::{Cluster, Page};

/// The pages of `GET path?query&page=N&perPage=M`, fetched one at a time as
/// [`Pages::next`] asks for them. It pages by the answer's `meta.lastPage`
/// (an API may hold fewer items per page than asked), and ends after the
/// last page, at an empty page, or after [`MAX_PAGES`] (a guard against a
/// server that never ends).
pub struct Pages<'a, T> {
    client: &'a Client,
    path: String,
    query: Vec<(String, String)>,
    next: Option<u64>,
    items: PhantomData<T>,
}

impl Client {
    /// The pages of `GET path?query` (see [`Pages`]).
    pub(crate) fn pages<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Pages<'_, T> {
        Pages {
            client: self,
            path: path.to_owned(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            next: Some(1),
            items: PhantomData,
        }
    }

    /// Every item of every page of `GET path?query`, concatenated.
    pub(crate) async fn get_all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<T>> {
        let mut pages = self.pages(path, query);
        let mut items = Vec::new();
        while let Some(page) = pages.next().await? {
            items.extend(page);
        }
        Ok(items)
    }

    /// Every cluster, one page at a time (`GET kubernetes?page=&perPage=`).
    pub fn cluster_pages(&self) -> Pages<'_, Cluster> {
        self.pages("kubernetes", &[])
    }
}

impl<T: DeserializeOwned> Pages<'_, T> {
    /// The next page's items; `None` once every page has been read.
    pub async fn next(&mut self) -> Result<Option<Vec<T>>> {
        let Some(page) = self.next else {
            return Ok(None);
        };
        let (page_text, per_page) = (page.to_string(), PER_PAGE.to_string());
        let mut query: Vec<(&str, &str)> = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        query.extend([("page", page_text.as_str()), ("perPage", per_page.as_str())]);
        let answer: Page<T> = self.client.get(&self.path, &query).await?;
        let last = answer.data.is_empty()
            || answer.meta.current_page.max(page) >= answer.meta.last_page
            || page >= MAX_PAGES;
        self.next = (!last).then_some(page + 1);
        Ok(Some(answer.data))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::Client;
    use crate::test_support::{Reply, fast_config, mock};

    fn page_of(query: Option<&str>) -> u64 {
        query
            .unwrap_or("")
            .split('&')
            .find_map(|kv| kv.strip_prefix("page="))
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    }

    #[tokio::test]
    async fn pages_follow_last_page_and_stop_when_asked() {
        // An API that holds 2 per page, whatever perPage asks.
        let m = mock(|req, _| {
            let page = page_of(req.query.as_deref());
            let data: Vec<_> = (0..2)
                .map(|i| json!({"identifier": format!("k{page}-{i}"), "name": "c"}))
                .collect();
            Reply::json(
                200,
                json!({"data": data, "meta": {"currentPage": page, "lastPage": 3, "perPage": 2, "total": 6}}),
            )
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let mut pages = client.cluster_pages();
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await.unwrap() {
            ids.extend(page.into_iter().map(|c| c.identifier));
        }
        assert_eq!(ids, ["k1-0", "k1-1", "k2-0", "k2-1", "k3-0", "k3-1"]);
        assert_eq!(m.requests().len(), 3);
        assert!(
            pages.next().await.unwrap().is_none(),
            "no request after the end"
        );
        assert_eq!(m.requests().len(), 3);

        // A caller that has enough after the first page asks for no more.
        client.cluster_pages().next().await.unwrap();
        assert_eq!(m.requests().len(), 4);
        assert_eq!(m.requests()[3].query.as_deref(), Some("page=1&perPage=50"));
    }

    #[tokio::test]
    async fn an_empty_page_or_a_missing_meta_ends_the_listing() {
        let m = mock(|_, _| Reply::json(200, json!({"data": [{"identifier": "k1"}]}))).await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();
        let mut pages = client.cluster_pages();
        assert_eq!(pages.next().await.unwrap().map(|p| p.len()), Some(1));
        assert!(pages.next().await.unwrap().is_none());
        let empty = mock(|_, _| {
            Reply::json(
                200,
                json!({"data": [], "meta": {"currentPage": 1, "lastPage": 9}}),
            )
        })
        .await;
        let client = Client::new(fast_config(&empty.base_url)).unwrap();
        let mut pages = client.cluster_pages();
        assert_eq!(pages.next().await.unwrap().map(|p| p.len()), Some(0));
        assert!(pages.next().await.unwrap().is_none());
    }
}
