-- The MLflow server's own database, beside the platform's (created on the first start only).
CREATE DATABASE mlflow OWNER wc;
