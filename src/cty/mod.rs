//! Terraform's type system ("cty", after HashiCorp's go-cty): types, values and
//! their wire encodings. Pure: no I/O, and nothing about RPCs or Xelon.
//!
//! - [`Type`]: cty types and their JSON notation, as in schemas.
//! - [`Value`]: an untyped value tree, known, null or unknown at any depth; its
//!   [`Type`] (the schema) travels beside it.
//! - [`Number`]: arbitrary-precision decimal numbers.
//! - [`AttributePath`]: where inside a value something is.
//! - [`encode_msgpack`]/[`decode_msgpack`]: `DynamicValue.msgpack`, byte for
//!   byte as go-cty writes it.
//! - [`encode_json`]/[`decode_json`]: `DynamicValue.json` and stored state
//!   (`RawState.json`), lenient about attributes the schema no longer has.
//!
//! Every codec error is a [`CtyError`] carrying the path where it happened.

pub mod error;
pub mod json;
pub mod msgpack;
pub mod number;
pub mod path;
pub mod set;
#[cfg(test)]
mod testing;
pub mod types;
pub mod value;

pub use error::CtyError;
pub use json::{decode_json, decode_json_bytes, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use number::Number;
pub use path::{AttributePath, PathStep};
pub use types::{ObjectType, Type};
pub use value::Value;
