//! Typed models of Terraform values: plain structs that derive serde's
//! `Deserialize` and `Serialize`, read from a configuration, plan or state
//! [`Value`] with [`read()`] and written back with [`write()`].
//!
//! ```ignore
//! #[derive(Serialize, Deserialize)]
//! struct Pool {
//!     id: Tri<String>,     // computed: unknown in a plan, null before create
//!     name: String,        // required
//!     node_count: u32,     // optional with a default: known once planned
//!     timeouts: Tri<Timeouts>,
//! }
//! let pool: Pool = model::read(req.planned, "Invalid planned node pool")?;
//! let state = model::write(&pool, &schema.ty())?;
//! ```
//!
//! # Reading ([`from_value`], [`read()`])
//!
//! - A plain field (`String`, `u32`, `bool`, a struct, `Vec`, `BTreeMap`)
//!   takes a known, non-null value: null is the error `must not be null`,
//!   unknown the error `is not known yet`.
//! - `Option<T>`: null is `None`. Unknown is an error, never `None`.
//! - [`Tri<T>`]: null, unknown and known values, each as itself.
//! - An attribute the object lacks reads as null (a cty object holds a
//!   missing attribute as null), so `#[serde(default)]` changes nothing:
//!   use `Option` or `Tri` for what may be null.
//! - Attributes the model does not name are skipped ([`check_model`] finds
//!   them).
//! - Integer fields take whole numbers in their range only: `u32` given
//!   `5000000000`, `-1` or `1.5` is the error `must be a whole number from 0
//!   to 4294967295, got 5000000000`, never a truncation. `f64` takes any
//!   number (the nearest).
//! - Objects read as structs or maps; lists, sets and tuples as sequences
//!   (a set in cty's order; paths index its elements); maps as maps;
//!   strings as unit-variant enums by name; a dynamic value as what it wraps.
//! - Every error names the attribute path, and never repeats a string of
//!   the value (it may be a secret).
//!
//! # Writing ([`to_value`], [`write()`])
//!
//! The type leads, and every part is checked against it:
//!
//! - A struct (or map) for an object type writes every attribute of the
//!   type: those the model lacks, or skips with `skip_serializing_if`, are
//!   null. A field the type does not have is an error.
//! - Sequences become lists, sets (each element once, in cty's order) or
//!   tuples; maps become maps; `None` and [`Tri::Null`] null;
//!   [`Tri::Unknown`] unknown; unit variants strings.
//! - Numbers, strings and bools only where the type says so. A `dynamic`
//!   type takes only these (wrapped with their type).
//!
//! # Serde attributes
//!
//! `rename` (the field name is the attribute name) and `skip` (a field that
//! is no attribute; it reads as its `Default`) work as usual. Avoid
//! `flatten` (it cannot carry unknowns), `alias` (the alias reads as a
//! missing, so null, attribute) and enums with data.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cty::{Type, Value};
use crate::framework::Diagnostics;

mod check;
mod de;
mod error;
mod ser;
#[cfg(test)]
mod tests;
mod tri;

pub use check::check_model;
pub use de::from_value;
pub use error::ModelError;
pub use ser::to_value;
pub use tri::Tri;

/// Reads `value` into a model; an error is one diagnostic with `summary`
/// at the attribute that did not fit.
pub fn read<M: DeserializeOwned>(value: &Value, summary: &str) -> Result<M, Diagnostics> {
    from_value(value).map_err(|e| e.into_diagnostics(summary))
}

/// Writes `model` as a value of `ty` (a schema's [`crate::framework::Schema::ty`]);
/// an error (a model that does not fit its schema: a provider bug) is one
/// diagnostic.
pub fn write<M: Serialize + ?Sized>(model: &M, ty: &Type) -> Result<Value, Diagnostics> {
    to_value(model, ty).map_err(|e| {
        let mut d = Diagnostics::new();
        d.error(
            "Provider bug: a value does not fit the schema",
            format!("{e}. Please report this to the provider's developers."),
        );
        d
    })
}
