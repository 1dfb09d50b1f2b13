// Alerts (placeholder until written).
{ prometheusAlerts+:: { groups+: [] } }
