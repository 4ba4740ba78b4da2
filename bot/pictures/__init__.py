"""Every picture deskbreak draws (stats charts, stretch figures), with one look.

Pictures are content: rendered here from data, never downloaded, and handed to adapters as
PNG bytes (:class:`bot.core.messages.Attachment`). Adapters attach bytes; they never draw.
"""
