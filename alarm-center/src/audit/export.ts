// Formats the data-protection officer's audit export as CSV (for a spreadsheet) or JSON lines
// (for tools). Pure. CSV cells that a spreadsheet would run as a formula are defused.

import type { AuditExportRow } from './repository.ts';

export const AUDIT_EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export const AUDIT_EXPORT_CONTENT_TYPE: Record<AuditExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

const COLUMNS = ['at', 'actor', 'action', 'subjectType', 'subjectId', 'reason'] as const;

/** Quotes a CSV cell (RFC 4180) and prefixes `'` to text a spreadsheet would evaluate. */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function formatAuditExport(rows: readonly AuditExportRow[], format: AuditExportFormat): string {
  if (format === 'jsonl') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  const lines = [COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((c) => csvCell(row[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
