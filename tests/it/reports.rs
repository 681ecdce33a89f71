//! Tests for reports (being written).
