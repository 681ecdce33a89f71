//! Tests for oauth (being written).
