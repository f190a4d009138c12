/**
 * The one table of SQLSTATE codes Isola raises (PostgreSQL's Appendix A names).
 *
 * Every error the database reports carries one of these codes; only the wire layer
 * turns them into protocol messages. Add a code here before raising it anywhere.
 */
export const SQLSTATE = {
  successful_completion: '00000',
  // Class 0B: invalid transaction initiation
  invalid_transaction_initiation: '0B000',
  // Class 08: connection exception
  connection_failure: '08006',
  protocol_violation: '08P01',
  // Class 0A: feature not supported
  feature_not_supported: '0A000',
  // Class 21: cardinality violation
  cardinality_violation: '21000',
  // Class 22: data exception
  string_data_right_truncation: '22001',
  null_value_not_allowed: '22004',
  substring_error: '22011',
  invalid_escape_character: '22019',
  invalid_escape_sequence: '22025',
  invalid_argument_for_logarithm: '2201E',
  invalid_regular_expression: '2201B',
  invalid_argument_for_power_function: '2201F',
  invalid_argument_for_width_bucket_function: '2201G',
  invalid_row_count_in_limit_clause: '2201W',
  invalid_row_count_in_result_offset_clause: '2201X',
  sequence_generator_limit_exceeded: '2200H',
  bad_copy_file_format: '22P04',
  untranslatable_character: '22P05',
  numeric_value_out_of_range: '22003',
  invalid_datetime_format: '22007',
  datetime_field_overflow: '22008',
  division_by_zero: '22012',
  character_not_in_repertoire: '22021',
  invalid_parameter_value: '22023',
  invalid_text_representation: '22P02',
  invalid_binary_representation: '22P03',
  // Class 23: integrity constraint violation
  not_null_violation: '23502',
  foreign_key_violation: '23503',
  unique_violation: '23505',
  check_violation: '23514',
  // Class 25: invalid transaction state
  active_sql_transaction: '25001',
  no_active_sql_transaction: '25P01',
  read_only_sql_transaction: '25006',
  in_failed_sql_transaction: '25P02',
  invalid_transaction_state: '25000',
  idle_in_transaction_session_timeout: '25P03',
  // Class 26: invalid SQL statement name
  invalid_sql_statement_name: '26000',
  // Class 34: invalid cursor name
  invalid_cursor_name: '34000',
  // Class 2B: dependent privilege descriptors still exist
  dependent_objects_still_exist: '2BP01',
  // Class 28: invalid authorization specification
  invalid_authorization_specification: '28000',
  invalid_password: '28P01',
  // Class 3D: invalid catalog name
  invalid_catalog_name: '3D000',
  // Class 3B: savepoint exception
  invalid_savepoint_specification: '3B001',
  // Class 40: transaction rollback
  serialization_failure: '40001',
  deadlock_detected: '40P01',
  // Class 42: syntax error or access rule violation
  syntax_error: '42601',
  insufficient_privilege: '42501',
  grouping_error: '42803',
  invalid_foreign_key: '42830',
  wrong_object_type: '42809',
  generated_always: '428C9',
  duplicate_column: '42701',
  duplicate_alias: '42712',
  invalid_column_reference: '42P10',
  invalid_column_definition: '42611',
  invalid_table_definition: '42P16',
  invalid_object_definition: '42P17',
  indeterminate_datatype: '42P18',
  invalid_recursion: '42P19',
  ambiguous_parameter: '42P08',
  undefined_parameter: '42P02',
  duplicate_prepared_statement: '42P05',
  invalid_schema_name: '3F000',
  too_many_arguments: '54023',
  undefined_column: '42703',
  undefined_function: '42883',
  undefined_table: '42P01',
  undefined_object: '42704',
  duplicate_object: '42710',
  duplicate_database: '42P04',
  reserved_name: '42939',
  duplicate_table: '42P07',
  duplicate_cursor: '42P03',
  ambiguous_column: '42702',
  datatype_mismatch: '42804',
  cannot_coerce: '42846',
  ambiguous_function: '42725',
  // Class 53: insufficient resources
  too_many_connections: '53300',
  disk_full: '53100',
  out_of_memory: '53200',
  // Class 54: program limit exceeded
  program_limit_exceeded: '54000',
  statement_too_complex: '54001',
  // Class 55: object not in prerequisite state
  object_not_in_prerequisite_state: '55000',
  lock_not_available: '55P03',
  object_in_use: '55006',
  cant_change_runtime_param: '55P02',
  // Class 57: operator intervention
  query_canceled: '57014',
  admin_shutdown: '57P01',
  cannot_connect_now: '57P03',
  // Class 58: system error (errors external to PostgreSQL itself)
  io_error: '58030',
  // Class XX: internal error
  internal_error: 'XX000',
  data_corrupted: 'XX001',
} as const

export type SqlStateName = keyof typeof SQLSTATE
export type SqlState = (typeof SQLSTATE)[SqlStateName]
