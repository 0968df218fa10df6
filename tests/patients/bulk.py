"""A large registry for plans and benchmarks: patients made by PostgreSQL in one statement.

Ten surnames numbered 1…count (so every name is distinct), eight first names,
one patronymic; no name word starts with «ю» or «я»; distinct mobile numbers.
"""
from __future__ import annotations

from sqlalchemy import text

INSERT = text("""
    INSERT INTO patients (organization_id, client_id, last_name, first_name, middle_name,
                          phone, birth_date, extra_phones, created_at, updated_at)
    SELECT :organization, gen_random_uuid(),
           (ARRAY['Иванов','Петров','Сидоров','Кузнецов','Смирнов','Попов','Волков',
                  'Соколов','Лебедев','Козлов'])[1 + n % 10] || n,
           (ARRAY['Анна','Мария','Пётр','Иван','Ольга','Олег','Нурлан','Азиз'])[1 + n % 8],
           'Тестович', '+79' || lpad((n * 7919 % 1000000000)::text, 9, '0'),
           DATE '1950-01-01' + (n % 20000), '{}', now(), now()
    FROM generate_series(1, :count) AS n
""")


def insert_patients(connection, organization_id: int, count: int = 100_000) -> None:
    """Add `count` patients to the organization through `connection` (or a session)."""
    connection.execute(INSERT, {"organization": organization_id, "count": count})
