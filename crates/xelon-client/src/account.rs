//! Account objects used to find ids: tenants and clouds.

use super::client::{Client, PER_PAGE, seg};
use super::error::Result;
use super::models::{Cloud, Page, Tenant};

impl Client {
    /// The tenant the token belongs to (`GET tenants/current`).
    pub async fn current_tenant(&self) -> Result<Tenant> {
        self.get("tenants/current", &[]).await
    }

    /// Every tenant matching `search` (all of them when `None`), all pages
    /// (`GET tenants?search=&page=&perPage=`).
    pub async fn list_tenants(&self, search: Option<&str>) -> Result<Vec<Tenant>> {
        match search {
            Some(search) => self.get_all_pages("tenants", &[("search", search)]).await,
            None => self.get_all_pages("tenants", &[]).await,
        }
    }

    /// The first page (up to [`PER_PAGE`] tenants) of a tenant search, in
    /// ONE request (`GET tenants?search=&page=1&perPage=`), as Xelon's Go
    /// provider searches by name. The API's search matches parts of names
    /// (and IDs); `meta.total` says how many matched in all.
    pub async fn search_tenants(&self, search: &str) -> Result<Page<Tenant>> {
        let per_page = PER_PAGE.to_string();
        self.get(
            "tenants",
            &[("search", search), ("page", "1"), ("perPage", &per_page)],
        )
        .await
    }

    /// One tenant (`GET tenants/{id}`).
    pub async fn get_tenant(&self, id: &str) -> Result<Tenant> {
        self.get(&format!("tenants/{}", seg(id)), &[]).await
    }

    /// The clouds of a tenant (`GET clouds?tenantIdentifier=`).
    pub async fn list_clouds(&self, tenant_id: &str) -> Result<Vec<Cloud>> {
        self.get("clouds", &[("tenantIdentifier", tenant_id)]).await
    }

    /// The clouds of the token's own tenant (`GET clouds`, without
    /// `tenantIdentifier`): one request, the call Xelon's Go provider makes
    /// for its `xelon_cloud` data source.
    pub async fn list_own_clouds(&self) -> Result<Vec<Cloud>> {
        self.get("clouds", &[]).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::Client;
    use crate::test_support::{Reply, fast_config, mock};

    #[tokio::test]
    async fn account_calls() {
        let m = mock(|req, _| match req.path.as_str() {
            "/api/v2/tenants/current" => Reply::json(
                200,
                json!({"identifier": "t1", "name": "Acme", "parent": "t0", "status": "active", "type": "customer"}),
            ),
            "/api/v2/tenants/t2" => Reply::json(200, json!({"identifier": "t2", "name": "Sub"})),
            "/api/v2/tenants" => {
                let page = if req.query.as_deref().unwrap_or("").contains("page=2") { 2 } else { 1 };
                Reply::json(
                    200,
                    json!({"data": [{"identifier": format!("t{page}"), "name": "x"}],
                           "meta": {"currentPage": page, "lastPage": 2, "perPage": 1, "total": 2}}),
                )
            }
            "/api/v2/clouds" => Reply::json(
                200,
                json!([{"identifier": "cloud-1", "name": "Main HCP Cloud", "type": 1, "hvType": "vmware"}]),
            ),
            _ => Reply::json(404, json!({})),
        })
        .await;
        let client = Client::new(fast_config(&m.base_url)).unwrap();

        let t = client.current_tenant().await.unwrap();
        assert_eq!(
            (t.identifier.as_str(), t.parent.as_deref()),
            ("t1", Some("t0"))
        );
        assert_eq!(t.kind.as_deref(), Some("customer"));
        assert_eq!(client.get_tenant("t2").await.unwrap().name, "Sub");
        let all = client.list_tenants(Some("a c&me")).await.unwrap();
        assert_eq!(all.len(), 2);
        client.list_tenants(None).await.unwrap();
        let clouds = client.list_clouds("t1").await.unwrap();
        assert_eq!(clouds[0].kind.as_deref(), Some("1"));
        assert_eq!(clouds[0].hv_type.as_deref(), Some("vmware"));
        assert_eq!(client.list_own_clouds().await.unwrap(), clouds);
        // A search is one request for the first page, whatever the total.
        let page = client.search_tenants("Acme").await.unwrap();
        assert_eq!(page.data.len(), 1);
        assert_eq!(page.meta.total, 2);

        let queries: Vec<String> = m
            .requests()
            .iter()
            .filter(|r| r.path == "/api/v2/tenants" || r.path == "/api/v2/clouds")
            .map(|r| r.query.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            queries,
            [
                "search=a+c%26me&page=1&perPage=50",
                "search=a+c%26me&page=2&perPage=50",
                "page=1&perPage=50",
                "page=2&perPage=50",
                "tenantIdentifier=t1",
                "",
                "search=Acme&page=1&perPage=50",
            ]
        );
    }
}
