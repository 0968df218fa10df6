"""The JSON error body of the API: documents 002 (`error`, `details`) and 004 (`detail`)."""
import marshmallow as ma


class ErrorSchema(ma.Schema):
    detail = ma.fields.String(required=True, metadata={"description": "Человекочитаемое описание"})
    error = ma.fields.String(required=True, metadata={"description": "Машинный код ошибки"})
    details = ma.fields.Dict(metadata={"description": "Ошибки по полям: {поле: [сообщения]}"})
