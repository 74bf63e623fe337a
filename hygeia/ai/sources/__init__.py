"""Readers of web-proxy and DNS logs, one module per format, each turning blocks of lines
into rows of the web-access schema (`hygeia.ai.shadow.WEB`) plus rejections."""
