# embed_page.cmake — turn render/rnd_page.html into a C string (rnd_page_html).
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* generated from render/rnd_page.html by render/embed_page.cmake: do not edit */\n"
  "const char rnd_page_html[] = {${bytes}0x00};\n")
