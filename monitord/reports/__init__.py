"""Management reports: the hourly availability rollup and the reports made from it.

Layout (data flows down):

- ``rollup`` (hot path, in memory) -> ``rollup_repo`` (batched writes, period reads)
  -> ``tables`` / ``migrations`` (alembic branch ``reports``);
- ``periods``, ``opening`` (POS opening hours as UTC intervals), ``availability``,
  ``incidents``, ``backups``, ``providers`` (register and workload from other
  components) -> ``sections`` -> ``builder`` -> ``model.Report``;
- ``charts``, ``render_html`` (+ ``templates/``), ``render_csv``, ``render_pdf`` -> ``output``;
- ``scheduler`` + ``delivery`` (the outbox with the PDF attached) and ``service``
  (the daemon service tying them together).

docs/reports.md defines every figure.
"""
