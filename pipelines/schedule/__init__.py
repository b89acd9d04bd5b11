"""``wc pipeline schedule``: fire registered pipelines at cron-like times
(``WC_PIPELINE_SCHEDULE``)."""
