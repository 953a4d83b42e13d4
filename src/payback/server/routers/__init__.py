"""The dashboard's routes, one router a capability.

=================  =========================================================================
:mod:`.page`       the page, ``/docs`` and the static assets (no token: they hold no data)
:mod:`.meta`       ``/api/catalogue``, ``/api/filters``: what can be asked
:mod:`.metrics`    ``/api/metrics`` and its ``.csv`` / ``.parquet`` downloads
:mod:`.views`      ``/api/headline`` (and its ``/api/ltv_cac`` card), ``/api/timeseries``,
                   ``/api/table``: the report's views
:mod:`.report`     ``/api/report``: the HTML report
:mod:`.sections`   ``/api/ltv``, ``/api/economics``: one route per section of the
                   capability registry (:func:`payback.report.extensions.extensions`)
=================  =========================================================================

:func:`payback.server.app.create_app` includes them in this order, the ``/api`` ones with
the token and parameter checks of :mod:`payback.server.deps`.
"""
