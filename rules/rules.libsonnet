// Recording rules (placeholder until written).
{ prometheusRules+:: { groups+: [] } }
