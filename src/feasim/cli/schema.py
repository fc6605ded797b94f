"""feasim schema: the scenario JSON Schema, or its fields as Markdown."""

from __future__ import annotations

import argparse
import json
import sys

from ..schema import Scenario
from ._common import (
    EXIT_OK,
    Adder,
    UsageError,
    out_file,
)


def add_parser(add: Adder) -> None:
    p = add("schema", help="print the scenario JSON Schema",
            description="Print the JSON Schema of scenario files, for editors. "
                        "Save it and add '# yaml-language-server: $schema=PATH' "
                        "as the first line of a scenario file.")
    p.add_argument("-o", "--output", metavar="PATH", type=out_file,
                   help="write to PATH instead of stdout")
    p.add_argument("--markdown", action="store_true",
                   help="print the fields as Markdown tables (docs/scenario-reference.md) "
                        "instead of the JSON Schema")


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        from ..schema_doc import schema_markdown

        text = schema_markdown()
    else:
        schema = Scenario.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "title": "feasim scenario",
                  **{k: v for k, v in schema.items() if k != "title"}}
        text = json.dumps(schema, indent=2) + "\n"
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK
