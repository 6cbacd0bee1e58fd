# embed_page.cmake — turn a page template (render/rnd_page.html, render/rnd_flame.html)
# into a C string named NAME (default rnd_page_html).
if(NOT NAME)
  set(NAME rnd_page_html)
endif()
get_filename_component(base ${IN} NAME)
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* generated from render/${base} by render/embed_page.cmake: do not edit */\n"
  "const char ${NAME}[] = {${bytes}0x00};\n")
