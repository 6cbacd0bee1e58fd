# jinja2 compiles and renders templates with inheritance, macros, loops and filters.
from jinja2 import DictLoader, Environment, select_autoescape

env = Environment(loader=DictLoader({
    "base.html": "<title>{% block title %}{% endblock %}</title>{% block body %}{% endblock %}",
    "page.html": """{% extends "base.html" %}
{% macro row(item) %}<tr><td>{{ item.name|e }}</td><td>{{ "%.2f"|format(item.price) }}</td></tr>{% endmacro %}
{% block title %}{{ title|upper }}{% endblock %}
{% block body %}<table>{% for item in items|sort(attribute="price") %}{{ row(item) }}{% else %}empty{% endfor %}</table>
{{ items|map(attribute="name")|join(", ") }} {{ items|length }} {{ items|sum(attribute="price")|round(2) }}{% endblock %}""",
}), autoescape=select_autoescape())
items = [{"name": f"<item {i}>", "price": (i * 37 % 101) / 7} for i in range(300)]
out = env.get_template("page.html").render(title="prices", items=items)
print(len(out))
print(out)
