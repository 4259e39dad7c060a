"""Apache Spark (PySpark): the same catalogue for a province or the nation.

The rules' SQL is written in DuckDB's dialect and transpiled to Spark SQL by ``sqlglot``; feature
tables are cached temporary views. ``master`` is ``local[N]`` by default (a test or one machine);
pass ``spark://host:7077``, ``yarn`` or ``k8s://…`` to run on a cluster (the snapshot's Parquet
files must then be on storage every executor reads — HDFS, S3 or a shared disk; see the app
README). ANSI mode is off so that SQL's NULL rules match DuckDB's (a division by zero is NULL).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot


def to_spark_sql(sql: str) -> str:
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


class SparkEngine:
    union_batch = 12  # a dozen rules per job: one plan of a hundred unions takes Spark longer to plan than to run
    name = "spark"

    def __init__(self, *, master: str | None = None, driver_memory: str = "2g", app_name: str = "jingzhun-screen",
                 shuffle_partitions: int | None = None) -> None:
        from pyspark.sql import SparkSession

        master = master or os.environ.get("JINGZHUN_SPARK_MASTER") or "local[2]"
        builder = (SparkSession.builder.master(master).appName(app_name)
                   .config("spark.sql.ansi.enabled", "false")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.driver.memory", driver_memory)
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
        if shuffle_partitions or master.startswith("local"):
            builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions or 4))
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        self._scratch = Path(tempfile.mkdtemp(prefix="jingzhun-spark-"))
        self._cached: list[str] = []

    def register(self, name: str, source: pa.Table | str, extra_columns: dict[str, str]) -> None:
        if isinstance(source, pa.Table):
            path = self._scratch / f"{name}.parquet"
            pq.write_table(source, path)
            source = str(path)
        frame = self.spark.read.parquet(str(source))
        frame.createOrReplaceTempView(f"_raw_{name}")
        extras = "".join(f", CAST(NULL AS {sql_type}) AS {column}" for column, sql_type in extra_columns.items())
        self.spark.sql(to_spark_sql(f"SELECT *{extras} FROM _raw_{name}")).createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str, *, view: bool = False) -> None:
        frame = self.spark.sql(to_spark_sql(sql))
        if not view:
            frame = frame.cache()
        frame.createOrReplaceTempView(name)
        self._cached.append(name)

    def query(self, sql: str) -> pa.Table:
        return self.spark.sql(to_spark_sql(sql)).toArrow()

    def close(self) -> None:
        for name in self._cached:
            self.spark.catalog.dropTempView(name)
        self.spark.catalog.clearCache()
        shutil.rmtree(self._scratch, ignore_errors=True)
