"""What managers take away: CSV exports, the monthly PDF report and what customers say.

`cells` makes a value safe for a spreadsheet, `pages` walks a period's tickets in bounded
pages, `tickets_csv` and `surveys_csv` stream the two files, `words` counts the words and
phrases of a period's tickets, `monthly` renders the report.
"""
