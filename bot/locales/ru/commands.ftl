## команды (setMyCommands)
cmd_start = Старт / главное меню
cmd_predict = Сделать предсказание
cmd_balance = Баланс и последние операции
cmd_history = Ваши предсказания
cmd_topup = Пополнить кредиты
cmd_language = Язык
cmd_help = Что умеет бот
cmd_login = Войти в существующий аккаунт
cmd_cancel = Отменить текущий диалог
