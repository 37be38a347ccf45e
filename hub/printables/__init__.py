"""Printed access points: posters, flyers, coasters, receipt strips and table tents.

`service.Printables` is the use case; `content` says what a piece carries, `layout` sizes
it per design (web/print/), `render` turns it into PDF, PNG or SVG.
"""
