# embed.cmake — turn schema/schema.sql into a C string (trc_schema_sql).
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* generated from schema/schema.sql by schema/embed.cmake: do not edit */\n"
  "const char trc_schema_sql[] = {${bytes}0x00};\n")
