-- Company names and tickers by CIK (findoc companies sync; shown by top and watch).
CREATE TABLE IF NOT EXISTS companies (
  cik        bigint PRIMARY KEY CHECK (cik >= 0),
  name       text NOT NULL,
  ticker     text,
  source     text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS companies_ticker_idx ON companies (ticker) WHERE ticker IS NOT NULL;
