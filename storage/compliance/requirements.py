"""What SQLite supports, for SQLAlchemy's dialect compliance suite.

``SuiteRequirements`` leaves most features off, so a third-party dialect opens those its database
has. These are SQLAlchemy's own decisions for SQLite, read from the requirements of its own test
suite (``test/requirements.py``, ``DefaultRequirements``) as they evaluate for ``sqlite+aiosqlite``
on a file database and SQLite 3.40: nothing is opened or closed here that SQLAlchemy does not open
or close for the asyncio SQLite driver it ships.
"""

from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements

# Off in SuiteRequirements, on for SQLite in SQLAlchemy's own requirements.
SUPPORTED = """
    async_dialect autocommit boolean_col_expressions check_constraint_reflection computed_columns
    computed_columns_reflect_persisted computed_columns_stored computed_columns_virtual create_table_as
    create_temp_table_as ctes ctes_with_values date_historic datetime_historic datetime_literals
    dbapi_lastrowid emulated_lastrowid except_ expression_server_defaults fetch_expression
    fetch_offset_with_options fk_constraint_option_reflection_ondelete_noaction
    fk_constraint_option_reflection_ondelete_restrict fk_constraint_option_reflection_onupdate_restrict
    float_or_double_precision_behaves_generically foreign_key_constraint_name_reflection
    foreign_key_constraint_option_reflection_ondelete foreign_key_constraint_option_reflection_onupdate
    index_ddl_if_exists indexes_check_column_order indexes_with_expressions infinity_floats
    inline_check_constraint_reflection intersect isolation_level json_array_indexes json_type
    legacy_unconditional_json_extract mod_operator_as_percent_sign non_updating_cascade nullsordering
    nvarchar_types order_by_collation order_by_label_with_expression percent_schema_names
    precision_numerics_enotation_small precision_numerics_retains_significant_digits reflects_pk_names
    regexp_match repeated_column_foreign_keys server_defaults skip_autocommit_rollback
    supports_bitwise_and supports_bitwise_not supports_bitwise_or supports_bitwise_shift
    supports_bitwise_xor table_ddl_if_exists tuple_in tuple_in_w_empty unicode_ddl update_from
    view_column_reflection view_reflection views window_functions window_range window_range_numeric
    reflect_table_options
""".split()
# (reflect_table_options: SQLAlchemy 2.1's SQLite dialect reflects table options, sqlite_strict and
# sqlite_with_rowid; its suite expects NotImplementedError from a dialect that does not.)

# On in SuiteRequirements, off for SQLite (all its drivers) in SQLAlchemy's own requirements:
# foreign keys and cascades are not enforced by default, temporary tables and their reflection are
# per connection (not supported on a file database), and "independent connections" would lock each
# other out of a file (SQLAlchemy: "do not let any sqlite driver run independent connection tests").
UNSUPPORTED = """
    foreign_keys implicitly_named_constraints independent_connections json_index_supplementary_unicode_element
    nested_aggregates numeric_received_as_decimal_untyped on_update_cascade on_update_or_deferrable_fks
    parens_in_union_contained_select_w_limit_offset parens_in_union_contained_select_wo_limit_offset
    temp_table_reflect_indexes temp_table_reflection temporary_tables
""".split()

# Off for the asyncio driver only (SQLAlchemy: skip_if("+aiosqlite")): read-only connections used at
# the same time, and garbage collection that is predictable without an event loop's references.
UNSUPPORTED_ASYNC = """
    independent_readonly_connections predictable_gc
""".split()


class Requirements(SuiteRequirements):
    def get_order_by_collation(self, config):
        return "NOCASE"  # a collation every SQLite has (SQLAlchemy's choice for SQLite too)


for _name in SUPPORTED:
    setattr(Requirements, _name, property(lambda self: exclusions.open()))
for _name in UNSUPPORTED + UNSUPPORTED_ASYNC:
    setattr(Requirements, _name, property(lambda self: exclusions.closed()))
