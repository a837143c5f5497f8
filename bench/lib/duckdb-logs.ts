/** DuckDB's read of EDGAR log CSVs for the references: every column as text, no quoting, the header row. */
const COLUMNS = `{'ip':'VARCHAR','date':'VARCHAR','time':'VARCHAR','zone':'VARCHAR','cik':'VARCHAR','accession':'VARCHAR','extention':'VARCHAR','code':'VARCHAR','size':'VARCHAR','idx':'VARCHAR','norefer':'VARCHAR','noagent':'VARCHAR','find':'VARCHAR','crawler':'VARCHAR','browser':'VARCHAR'}`;

/** The read_csv(...) table expression over a file or a glob. */
export function readLogs(path: string): string {
  return `read_csv('${path.replaceAll("'", "''")}', header = true, auto_detect = false, delim = ',', quote = '', escape = '', columns = ${COLUMNS})`;
}
