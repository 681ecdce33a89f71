//! Tests for cli (being written).
