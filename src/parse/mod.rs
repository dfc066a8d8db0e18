//! Span records and the parse engine.
