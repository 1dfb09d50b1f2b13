/**
 * The shapes of what the mixin generates, as far as this project reads them: Grafana dashboards
 * (dashboards/generated/*.json) and Prometheus rule files (rules/generated, alerts/generated).
 * `renderMixin` returns them typed with these, and the mixin tests import them rather than
 * declaring their own copies. jsonnet writes the files; fields nobody here reads are left out.
 */

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface DashboardTarget {
  expr: string;
  refId: string;
  /** Table panels run their query as an instant query. */
  instant?: boolean;
  datasource?: DatasourceRef;
}

export interface ThresholdStep {
  color: string;
  /** The first step is the base (`null`). */
  value: number | null;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: DatasourceRef;
  targets?: DashboardTarget[];
  /** Text panels keep their markdown in `content`. */
  options?: { content?: string };
  fieldConfig?: {
    defaults?: { unit?: string; thresholds?: { steps: ThresholdStep[] } };
    overrides?: { properties: { id: string; value: unknown }[] }[];
  };
}

export interface DashboardLink {
  type: string;
  url: string;
  includeVars: boolean;
  keepTime: boolean;
}

export interface TemplateVariable {
  name: string;
  type: string;
  query?: unknown;
  allValue?: string;
  includeAll?: boolean;
  current?: { value?: unknown };
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  links: DashboardLink[];
  templating: { list: TemplateVariable[] };
}

/** One rule of a Prometheus rule file: a recording rule (`record`) or an alerting rule (`alert`). */
export interface PrometheusRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  groups: { name: string; interval?: string; rules: PrometheusRule[] }[];
}
