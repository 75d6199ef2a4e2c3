//! Terraform's type system ("cty", after HashiCorp's go-cty): types, values and
//! their wire encodings. Pure: no I/O, and nothing about RPCs or Xelon.
//!
//! - [`Type`]: cty types and their JSON notation, as in schemas.
//! - [`Value`]: an untyped value tree, known, null or unknown at any depth; its
//!   [`Type`] (the schema) travels beside it.
//! - [`Number`]: arbitrary-precision decimal numbers, and ±infinity.
//! - [`AttributePath`]: where inside a value something is.
//! - [`set`]: go-cty's set semantics (which elements are one, and their order).
//! - [`encode_msgpack`]/[`decode_msgpack`]: `DynamicValue.msgpack`, byte for
//!   byte as go-cty writes and reads it.
//! - [`encode_json`]/[`decode_json`]: `DynamicValue.json` and stored state
//!   (`RawState.json`), lenient about attributes the schema no longer has.
//!
//! Every codec error is a [`CtyError`] carrying the path where it happened.
//!
//! # Parity with go-cty
//!
//! The codecs follow go-cty (`cty/msgpack`, `cty/json`, v1.18) wherever
//! Terraform can tell: numbers (an integer beyond `i64` is sent as decimal
//! text, never as a float64; ±infinity as float64 infinities), strings and map
//! keys in Unicode NFC, sets with each element once in go-cty's order, objects
//! that must carry every attribute in msgpack, dynamic wrappers that never
//! nest, and type JSON as Go's decoder reads it (`["object",null]` is the empty
//! object). `vectors.rs` checks them against test vectors from go-cty and
//! terraform-plugin-go. Deliberate differences, and why:
//!
//! Stricter:
//! - A msgpack value must be all of the input: trailing bytes are an error
//!   (go-cty stops after one value). Terraform sends none.
//! - Strings must be valid UTF-8 (go-cty passes other bytes through). Rust
//!   strings are UTF-8, and Terraform's are.
//! - An empty msgpack map or array for an object or tuple type that has
//!   attributes or elements is an error, and so is an object with a duplicate
//!   key; go-cty returns an empty object or tuple, or (a duplicate hiding a
//!   missing attribute) an object short of it, of the wrong type, which fails
//!   later.
//! - Containers nest at most 256 deep in msgpack (JSON: serde_json's 128), and
//!   a finite number's decimal exponent is at most ±100000, so that a few bytes
//!   cannot exhaust the stack or memory. NaN is refused (go-cty panics on it).
//!   Number text with a binary exponent (`1p3`, which Go's parser takes) is
//!   refused.
//! - The encoders convert nothing: a [`Value`] of another kind than its type is
//!   an error (go-cty's `Marshal` first converts, e.g. a string to a number). A
//!   mismatch is a bug in the provider, better reported than hidden.
//!
//! More lenient:
//! - Every msgpack extension is unknown and its payload is not read: a refined
//!   unknown (type 12) decodes as a plain unknown, even a "definitely null"
//!   one (go-cty makes it null; Terraform never sends it), and go-cty's refusal
//!   of other payloads is not copied. Unknowns are sent plain (`d4 00 00`), so
//!   refinements Terraform sent are not echoed: that only loosens Terraform's
//!   checks of the provider's answer.
//! - JSON object keys the type lacks are ignored, as terraform-plugin-go does
//!   for stored state (`IgnoreUndefinedAttributes`): `UpgradeResourceState`
//!   decodes `RawState.json`, written under an older schema, with the current
//!   one, where an attribute added since becomes null and a dropped one must
//!   not fail. Bools decode from the JSON numbers `1` and `0` there, too.
//! - What the provider builds may be loose; the encoders make it what go-cty
//!   would hold: an object may leave out null attributes, a set may hold
//!   duplicates in any order, strings need not be NFC.
//!
//! Where the representation shows:
//! - A finite [`Number`] is an exact decimal, where go-cty holds a binary float
//!   (512 bits from text). Terraform's numbers go back as the same bytes; a
//!   float64 integer beyond `i64` (from an older Terraform) goes back as its
//!   exact digits, which Terraform reads back as the same number, where go-cty
//!   would write 17 digits and zeros, a different one.
//! - The order of set elements of compound types (objects, lists, ...) follows
//!   go-cty's hash bytes, with the limits [`set`] describes; go-cty does not
//!   promise that order between its releases.
//! - NFC uses newer Unicode tables than Go's 15.0; they agree on every string
//!   of characters assigned in 15.0. Map keys that are equal once normalized
//!   are one key (the later wins; in go-cty, either).

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
#[cfg(test)]
mod vectors;

pub use error::CtyError;
pub use json::{decode_json, decode_json_bytes, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use number::Number;
pub use path::{AttributePath, PathStep};
pub use types::{ObjectType, Type};
pub use value::Value;
