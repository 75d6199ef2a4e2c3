//! Integration tests of the Xelon API emulator: the router runs in-process on
//! 127.0.0.1:0 (through `emulator::spawn`) and is driven with reqwest; the
//! binary is run for its first stdout line, `--help` and signal handling.
//!
//! The API profile follows `$XELON_EMULATOR_PROFILE` (`rich`, the default, or
//! `sdk`); tests that check one profile's shapes name it
//! ([`common::rich`], [`common::sdk`]).

mod common;

mod basics;
mod binary;
mod chaos;
mod clusters;
mod faults;
mod lost_and_held;
mod pools;
mod profiles;
mod stale_reads;
mod windows;
