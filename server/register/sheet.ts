/**
 * Reads the first worksheet of a spreadsheet (xlsx, or csv in UTF-8) into
 * rows of text cells keyed by the header row, so an import checks one shape
 * whichever the file was. Row numbers are the spreadsheet's own (the header
 * is row 1), which is what a person looks for when told a row is wrong.
 */
import ExcelJS from 'exceljs';

/** One data row: its number in the sheet and its cells by header. */
export interface SheetRow {
  row: number;
  cells: Record<string, string>;
}

/** A sheet as text. */
export interface Sheet {
  headers: string[];
  rows: SheetRow[];
}

/** The formats an import takes. */
export const SHEET_FORMATS = ['xlsx', 'csv'] as const;
export type SheetFormat = (typeof SHEET_FORMATS)[number];

/** Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF). Pure. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, ''); // Excel writes a byte-order mark before UTF-8 CSV
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** The text of an exceljs cell value (rich text, formulas' results, hyperlinks, dates as local dates). */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
  if ('text' in v) return String(v.text);
  return '';
}

/** Turns header + data rows into {@link Sheet}; blank rows are skipped (their numbers are kept by the others). */
function toSheet(grid: string[][]): Sheet {
  const headers = (grid[0] ?? []).map((h) => h.trim());
  const rows: SheetRow[] = [];
  grid.slice(1).forEach((cells, i) => {
    if (cells.every((c) => c.trim() === '')) return;
    rows.push({ row: i + 2, cells: Object.fromEntries(headers.map((h, k) => [h, (cells[k] ?? '').trim()])) });
  });
  return { headers, rows };
}

/**
 * Reads a spreadsheet's first sheet. Throws when the file is not one of the format
 * (the caller reports it as the file's problem, not a row's).
 * @example
 * const sheet = await readSheet(await readFile('企业名录.xlsx'), 'xlsx');
 */
export async function readSheet(content: Buffer, format: SheetFormat): Promise<Sheet> {
  if (format === 'csv') return toSheet(parseCsv(content.toString('utf8')));
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(content as unknown as ExcelJS.Buffer);
  const ws = book.worksheets[0];
  if (!ws) return { headers: [], rows: [] };
  const grid: string[][] = [];
  ws.eachRow({ includeEmpty: true }, (r, n) => {
    const cells: string[] = [];
    for (let c = 1; c <= ws.columnCount; c++) cells.push(cellText(r.getCell(c).value));
    grid[n - 1] = cells;
  });
  return toSheet(Array.from(grid, (r) => r ?? []));
}
