//! The provider's data sources, one file each.

use crate::framework::DataSource;
use crate::xelon::Client;

/// Every data source, registered once.
pub fn all() -> Vec<Box<dyn DataSource<Client>>> {
    vec![]
}
