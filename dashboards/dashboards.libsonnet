// Dashboards (placeholder until written).
{ grafanaDashboards+:: {} }
