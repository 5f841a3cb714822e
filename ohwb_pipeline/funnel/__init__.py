"""Overdispersed funnel plots (Spiegelhalter 2005) with FunnelPlotR 0.6.0's semantics; no Dagster here."""
